"""Staging identical machines (chillers, boilers) on the load, the way a plant controller does.

- Stage up when the load needs more machines than run: above STAGE_UP of the running
  machines' *available* capacity (a chiller loses capacity with warm condenser water and
  gains some with warmer chilled water; a machine just started is still soft-loading), held
  for `stage_delay`; stage down when one machine fewer could carry it below STAGE_DOWN; the
  first machine starts only for a load worth starting for (start_share of one machine) and
  the last stops when the load falls below min_load.
- Unoccupied hours (`occupied` given): a night set-up cycle of the air handlers does not
  start a chiller unless it calls for a real load (night_share of one machine) for the
  start delay: the loop's stored chilled water carries the short, light cycles.
- Timers, per machine: a machine runs at least `min_on` and rests at least `min_off`
  seconds, and its anti-recycle timer allows a start only `anti_recycle` seconds after its
  previous start; stages change at most every `stage_gap`; the plant starts once the load
  has called for it for `start_delay` and stops once it has needed nothing for `stop_delay`.
  Until a machine may start, its share of the load goes unmet (supply water drifts off its
  setpoint); a machine held on by its minimum run time runs lightly loaded.
- Lead/lag: the lead rotates every Monday 00:00 on the site's local clock, so run hours even
  out and the swap happens when the building is quiet.
- Each start also records how far the machine's supply water starts from its setpoint (a
  first machine after a long rest starts from a warm (or cool) loop, a lag machine from the
  return water), which the supply-temperature loops (plant.py, boilers.py) pull in.

The controller is a recurrence (timers), stepped in plain Python over ints, with its state
carried in State.staging as ints: [on, last change, last start, calling since, quiet since,
week, overloaded since, then per machine: last start, last stop, start offset (milli-°F
share)]. Missing entries start cold; a window split anywhere stages the same way.
"""

import math
from dataclasses import dataclass

import numpy as np

STAGE_UP = 0.85
STAGE_DOWN = 0.65
SOFT_LOAD_S = 1800  # after a start a machine ramps its capacity up (soft loading)
SOFT_LOAD_START = 0.7  # share of its capacity at the start
WARM_LOOP_S = 7200.0  # a resting plant's loop drifts off its setpoint with this time constant
LAG_OFFSET = 0.35  # a lag machine starts from the return water: a share of the full offset
MILLI = 1000


@dataclass(frozen=True)
class Timers:
    min_on: int  # seconds
    min_off: int
    anti_recycle: int  # seconds from one start to the next of the same machine
    start_share: float  # of one machine's capacity: below it the plant does not start
    start_delay: int  # seconds the load must call for the plant before it starts
    stop_delay: int  # seconds without load before the last machine stops
    stage_gap: int = 0  # seconds between stage changes (0: min_on)
    stage_delay: int = 0  # seconds an overload must last before the next machine starts
    night_share: float = 0.0  # unoccupied: of one machine's capacity for a start
    soft_load: int = 0  # seconds a started machine takes to reach full capacity


CHILLER_TIMERS = Timers(min_on=3600, min_off=1800, anti_recycle=3600, start_share=0.01,
                        start_delay=1800, stop_delay=3600, stage_gap=900, stage_delay=600,
                        night_share=0.15, soft_load=SOFT_LOAD_S)
# Boilers start at once: the zones' reheat and warm-up air take their heat in the interval
# they ask for it, and a delayed start left that heat unburnt (the gas meter short of it).
BOILER_TIMERS = Timers(min_on=1800, min_off=900, anti_recycle=1800, start_share=0.02,
                       start_delay=0, stop_delay=1800)
FAR_PAST = -(10**12)


def lead_rotation(local_day):
    """Weeks since the epoch, counted from local Mondays (1970-01-01 was a Thursday)."""
    return (local_day + 3) // 7


@dataclass
class Staged:
    enable: np.ndarray  # [T, n] bool
    run: np.ndarray  # [T, n] bool: enabled and not forced off
    share: np.ndarray  # [T, n] of one machine's capacity asked of each running machine
    since: np.ndarray  # [T, n] seconds since the machine's (current or last) start
    offset: np.ndarray  # [T, n] 0..1: how far its supply water started from setpoint


def _carry(carry, count):
    c = [int(x) for x in (carry or [])]
    head = c[:7] + [0, FAR_PAST, FAR_PAST, FAR_PAST, FAR_PAST, FAR_PAST, FAR_PAST][len(c[:7]):]
    rest = c[7:]
    per = [rest[i * 3:i * 3 + 3] for i in range(count)]
    per = [p + [FAR_PAST, FAR_PAST, 0][len(p):] for p in per]
    return head, per


def stage(load, capacity, count, ts, forced_off, min_load, local_day, timers, carry,
          occupied=None, available=None):
    """Staged [T, count] arrays and the new carry.

    `available` [T]: one machine's capacity share at the conditions (default 1). A machine
    forced off (short cycling) drops its share: the others are not restaged within the
    interval, so the load it carried goes unmet.
    """
    T = len(ts)
    (on, changed, started, calling, quiet, week, over), per = _carry(carry, count)
    last_start = [p[0] for p in per]
    last_stop = [p[1] for p in per]
    offset = [p[2] for p in per]
    weeks = lead_rotation(local_day)
    rotates = np.concatenate([[week != FAR_PAST and len(weeks) and weeks[0] != week],
                              np.diff(weeks) != 0]).tolist() if T else []
    avail = np.ones(T) if available is None else np.asarray(available, float)
    want = np.where(load > min_load * capacity, 1.0, 0.0)
    want = want.astype(np.int64).tolist()
    fewer = (load < STAGE_DOWN * capacity * avail * np.arange(count + 1)[:, None]).T.tolist() \
        if T else []  # fewer[k][n]: n machines would carry the load below STAGE_DOWN
    share_load = (load / (capacity * avail)).tolist()
    night = np.zeros(T, bool) if occupied is None else ~np.asarray(occupied, bool)
    threshold = np.where(night, max(timers.night_share, timers.start_share),
                         timers.start_share) * capacity
    starting = (load >= threshold).tolist()
    times = ts.tolist()
    gap = timers.stage_gap or timers.min_on
    weeks_l = weeks.tolist()
    n_on = [0] * T
    prev_w = week
    first = (list(last_start), list(offset))
    events = []  # (step, machine, its start time, its start offset) of every start
    for k in range(T):
        t = times[k]
        w = weeks_l[k]
        if rotates[k] and on:  # the new lead takes over: its timers start now
            before = {(r + prev_w) % count for r in range(on)}
            after = {(r + w) % count for r in range(on)}
            for m in before - after:
                last_stop[m] = t
            for m in after - before:
                last_start[m], offset[m] = t, int(LAG_OFFSET * MILLI)
                events.append((k, m, t, offset[m]))
            changed = started = t
        prev_w = w
        # Demand must persist before the plant starts, and be gone a while before it stops:
        # a night-cycle burst or a passing lull does not cycle a chiller.
        if not starting[k]:
            calling = FAR_PAST
        elif calling == FAR_PAST:
            calling = t
        if want[k]:
            quiet = FAR_PAST
        elif quiet == FAR_PAST:
            quiet = t
        # An overload that lasted stage_delay (supply water above setpoint that long) calls
        # the next machine.
        pending = over != FAR_PAST and t - over >= timers.stage_delay
        if on == 0:
            if want[k] and calling != FAR_PAST and t - calling >= timers.start_delay:
                m = w % count
                if (t - changed >= timers.min_off and t - last_start[m] >= timers.anti_recycle
                        and t - last_stop[m] >= timers.min_off):
                    rest = t - max(changed, FAR_PAST // 2)
                    offset[m] = int(MILLI * (1.0 - math.exp(-rest / WARM_LOOP_S)))
                    on, changed, started = 1, t, t
                    last_start[m] = t
                    events.append((k, m, t, offset[m]))
        elif (pending and on < count and t - changed >= gap):
            m = (on + w) % count  # one machine at a time
            if t - last_start[m] >= timers.anti_recycle and t - last_stop[m] >= timers.min_off:
                offset[m] = int(LAG_OFFSET * MILLI)
                on, changed, started = on + 1, t, t
                last_start[m] = t
                over = FAR_PAST
                events.append((k, m, t, offset[m]))
        elif on > 0:
            m = (on - 1 + w) % count  # the last machine staged goes first
            if t - last_start[m] >= timers.min_on and t - changed >= gap:
                if not want[k] and t - quiet >= timers.stop_delay:
                    for r in range(on):
                        last_stop[(r + w) % count] = t
                    on, changed = 0, t
                elif on > 1 and fewer[k][on - 1]:
                    last_stop[m] = t
                    on, changed = on - 1, t
        # What the running machines can give this interval: the newest may be soft-loading.
        if on:
            soft = 1.0 if not timers.soft_load else min(1.0, SOFT_LOAD_START + (
                1.0 - SOFT_LOAD_START) * (t - started) / timers.soft_load)
            overloaded = share_load[k] > STAGE_UP * (on - 1 + soft)
        else:
            overloaded = False
        if not overloaded:
            over = FAR_PAST
        elif over == FAR_PAST:
            over = t
        n_on[k] = on
    n_on = np.array(n_on, dtype=np.int64)
    rank = (np.arange(count)[None, :] - weeks[:, None]) % count
    enable = rank < n_on[:, None]
    run = enable & ~forced_off
    share = np.where(run, (load / np.maximum(n_on, 1) / capacity)[:, None], 0.0)
    week = int(weeks[-1]) if T else week
    new = [on, changed, started, calling, quiet, week, over]
    for m in range(count):
        new += [last_start[m], last_stop[m], offset[m]]
    since, offs = _fill(ts, count, first, events)
    return Staged(enable, run, share, since, offs), new


def _fill(ts, count, first, events):
    """[T, count] seconds since each machine's latest start and that start's offset (0..1),
    forward-filled from the start events (the carried values before the first)."""
    T = len(ts)
    start = np.empty((T + 1, count), dtype=np.float64)
    offset = np.empty((T + 1, count), dtype=np.float64)
    start[0], offset[0] = first[0], first[1]
    at = np.zeros((T + 1, count), dtype=np.int64)
    for k, m, t, o in events:  # later events of a step overwrite earlier ones
        start[k + 1, m], offset[k + 1, m] = t, o
        at[k + 1, m] = k + 1
    at = np.maximum.accumulate(at, axis=0)[1:]
    cols = np.arange(count)[None, :]
    return ts[:, None] - start[at, cols], offset[at, cols] / MILLI
