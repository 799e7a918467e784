"""Lead/lag staging of identical machines, with the lead rotating weekly to even out run hours."""

import numpy as np

WEEK = 7 * 86400
STAGE_UP = 0.9  # bring on another machine above this share of the running capacity


def stage(load, capacity, count, ts, forced_off, min_load=0.005):
    """(enable, run, share) [T, count]: commanded on, actually running, load per capacity.

    Loads below `min_load` of one machine do not start the plant: the loop's water mass
    absorbs them.

    A machine forced off (short cycling) drops its share: the others are not restaged within
    the interval, so the load it carried goes unmet.
    """
    needed = np.where(load > min_load * capacity, np.ceil(load / (STAGE_UP * capacity)), 0.0)
    needed = np.minimum(needed, count).astype(np.int64)
    rank = (np.arange(count)[None, :] - (ts // WEEK)[:, None]) % count
    enable = rank < needed[:, None]
    run = enable & ~forced_off
    share = np.where(run, (load / np.maximum(needed, 1) / capacity)[:, None], 0.0)
    return enable, run, share
