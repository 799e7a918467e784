"""Staging identical machines (chillers, boilers) on the load, the way a plant controller does.

- Stage up when the load needs more machines than run (load above STAGE_UP of the running
  capacity); stage down when one machine fewer could carry it below STAGE_DOWN; the first
  machine starts only for a load worth starting for (start_share of one machine) and the
  last stops when the load falls below min_load.
- Timers: a machine runs at least `min_on` and rests at least `min_off` seconds, and its
  anti-recycle timer allows a start only `anti_recycle` seconds after the previous start;
  the plant starts once the load has called for it for `start_delay` and stops once it has
  needed nothing for `stop_delay`.
  Until a machine may start, its share of the load goes unmet (supply water drifts off its
  setpoint); a machine held on by its minimum run time runs lightly loaded.
- Lead/lag: the lead rotates every Monday 00:00 on the site's local clock, so run hours even
  out and the swap happens when the building is quiet.

The controller is a recurrence (timers), stepped in plain Python over ints, with its state
(machines on, last change, last start, since when the load calls, since when it has been
quiet) carried in State.staging: a window split anywhere
stages the same way.
"""

from dataclasses import dataclass

import numpy as np

STAGE_UP = 0.8
STAGE_DOWN = 0.65


@dataclass(frozen=True)
class Timers:
    min_on: int  # seconds
    min_off: int
    anti_recycle: int  # seconds from one start to the next
    start_share: float  # of one machine's capacity: below it the plant does not start
    start_delay: int  # seconds the load must call for the plant before it starts
    stop_delay: int  # seconds without load before the last machine stops


CHILLER_TIMERS = Timers(min_on=3600, min_off=1800, anti_recycle=3600, start_share=0.01,
                        start_delay=1800, stop_delay=3600)
# Boilers start at once: the zones' reheat and warm-up air take their heat in the interval
# they ask for it, and a delayed start left that heat unburnt (the gas meter short of it).
BOILER_TIMERS = Timers(min_on=1800, min_off=900, anti_recycle=1800, start_share=0.02,
                       start_delay=0, stop_delay=1800)
FAR_PAST = -(10**12)


def lead_rotation(local_day):
    """Weeks since the epoch, counted from local Mondays (1970-01-01 was a Thursday)."""
    return (local_day + 3) // 7


def stage(load, capacity, count, ts, forced_off, min_load, local_day, timers, carry):
    """(enable, run, share) [T, count] and the new carry [on, last change, last start].

    A machine forced off (short cycling) drops its share: the others are not restaged within
    the interval, so the load it carried goes unmet.
    """
    T = len(ts)
    on, changed, started, calling, quiet, week = [int(x) for x in (carry or [])] + [
        0, FAR_PAST, FAR_PAST, FAR_PAST, FAR_PAST, FAR_PAST][len(carry or []):]
    weeks = lead_rotation(local_day)
    rotates = np.concatenate([[week != FAR_PAST and len(weeks) and weeks[0] != week],
                              np.diff(weeks) != 0]).tolist() if T else []
    want = np.where(load > min_load * capacity, np.ceil(load / (STAGE_UP * capacity)), 0.0)
    want = np.minimum(want, count).astype(np.int64).tolist()
    fewer = (load < STAGE_DOWN * capacity * np.arange(count + 1)[:, None]).T.tolist() \
        if T else []  # fewer[k][n]: n machines would carry the load below STAGE_DOWN
    starting = (load >= timers.start_share * capacity).tolist()
    times = ts.tolist()
    n_on = [0] * T
    for k in range(T):
        t = times[k]
        target = want[k]
        if rotates[k] and on:  # the new lead takes over: its timers start now
            changed = started = t
        # Demand must persist before the plant starts, and be gone a while before it stops:
        # a night-cycle burst or a passing lull does not cycle a chiller.
        if not starting[k]:
            calling = FAR_PAST
        elif calling == FAR_PAST:
            calling = t
        if target:
            quiet = FAR_PAST
        elif quiet == FAR_PAST:
            quiet = t
        if target > on:
            if on == 0 and (calling == FAR_PAST or t - calling < timers.start_delay):
                target = 0
            if (target > on and t - changed >= (timers.min_off if on == 0 else timers.min_on)
                    and t - started >= timers.anti_recycle):
                on, changed, started = on + 1, t, t  # one machine at a time
        elif on > 0 and t - changed >= timers.min_on:
            if target == 0 and t - quiet >= timers.stop_delay:
                on, changed = 0, t
            elif 0 < target < on and fewer[k][on - 1]:
                on, changed = on - 1, t
        n_on[k] = on
    n_on = np.array(n_on, dtype=np.int64)
    rank = (np.arange(count)[None, :] - weeks[:, None]) % count
    enable = rank < n_on[:, None]
    run = enable & ~forced_off
    share = np.where(run, (load / np.maximum(n_on, 1) / capacity)[:, None], 0.0)
    week = int(weeks[-1]) if T else week
    return enable, run, share, [on, changed, started, calling, quiet, week]
