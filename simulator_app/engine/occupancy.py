"""Who is in the building, on the site's local wall clock (weekends, holidays, DST included).

Each zone's people arrive and leave around the building schedule with offsets drawn per
(zone, local day), teams are sometimes out, someone sometimes works late, and the building's
attendance and the share of its plug and lighting load in use vary by day; a given day is
always the same. On days without a schedule a few zones get a short visit (someone comes in
on a Saturday). IT and always-on loads (equipment.base_load_w_per_ft2) run around the clock.

The same draws say how people move (arrivals, lunch out and back, departures, late leavers,
visits, trips between floors: what drives the elevators and the restrooms) and how busy the
cafeteria kitchen is (breakfast, the pre-lunch peak, the dish wash; weekdays only).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import rng
from .spec import minutes

BASE = 0.02  # security and cleaning at night, as a share of design occupancy
PRESENT = 0.08  # zone occupancy above which the zone's occupancy sensor trips
CHURN = 0.22  # hour-to-hour swing of the plug load in use


@dataclass
class Occupancy:
    zone_people: np.ndarray  # [T, Z] share of the zone's design occupancy
    zone_occupied: np.ndarray  # [T, Z] bool: occupancy sensor
    hvac_occupied: np.ndarray  # [T] bool: schedule says occupied mode (before overrides)
    lighting: np.ndarray  # [T] share of installed lighting power
    plugs: np.ndarray  # [T] share of installed plug power
    ts: np.ndarray | None = None  # [T] epoch seconds (keys the per-timestamp draws of loads.py)
    lifts: np.ndarray | None = None  # [T] people riding the elevators, per minute
    restroom: np.ndarray | None = None  # [T] expected restroom uses, per minute
    kitchen: np.ndarray | None = None  # [T] cafeteria activity, share of its design peak


def _day_hours(schedule, clock):
    """Scheduled start/end minute of each timestamp's local day; NaN when unscheduled."""
    start = np.full(len(clock.day), np.nan)
    end = np.full(len(clock.day), np.nan)
    for days, hours in ((clock.weekday < 5, schedule.weekday),
                        (clock.weekday == 5, schedule.saturday),
                        (clock.weekday == 6, schedule.sunday)):
        if hours is not None:
            sel = days & ~clock.holiday
            start[sel], end[sel] = minutes(hours.start), minutes(hours.end)
    return start, end


def _profile(minute, start, end, peak):
    """Arrivals over 90 min, a lunch dip, departures over 105 min; BASE outside."""
    up = np.clip((minute - (start - 30.0)) / 90.0, 0.0, 1.0)
    down = np.clip((end + 45.0 - minute) / 105.0, 0.0, 1.0)
    lunch = 1.0 - 0.2 * np.clip(1.0 - np.abs(minute - 750.0) / 45.0, 0.0, 1.0)
    level = np.nan_to_num(np.minimum(up, down), nan=0.0)
    return BASE + (peak - BASE) * level * lunch


def _draws(seed, zone_keys, days, n):
    """n uniforms per (local day, zone): [n, D, Z]. Consecutive days (every caller's span)
    are memoised, read-only: a live tick asks for the same day 96 times."""
    if len(days) and days.dtype == np.int64 and len(days) <= 3 and (
            len(days) == int(days[-1]) - int(days[0]) + 1):
        first, last = int(days[0]), int(days[-1])
        return _consecutive_draws(seed, tuple(zone_keys), first, last, n)
    return _draws_of(seed, zone_keys, days, n)


@lru_cache(maxsize=64)
def _consecutive_draws(seed, zone_keys, first, last, n):
    u = _draws_of(seed, list(zone_keys), np.arange(first, last + 1, dtype=np.int64), n)
    u.flags.writeable = False
    return u


def _draws_of(seed, zone_keys, days, n):
    counters = (days[:, None] * 8 + np.arange(n)[None, :]).ravel()
    u = rng.uniform(rng.hashes(seed, rng.OCCUPANCY, rng.key_hashes(zone_keys), counters))
    return u.reshape(len(days), n, len(zone_keys)).transpose(1, 0, 2)


def _hourly(seed, hours):
    """A building-wide value in -1..1 per local hour, linear in between (plug-load churn)."""
    h = np.floor(hours).astype(np.int64)
    u = 2.0 * rng.uniform(rng.hashes(seed, rng.OCCUPANCY, [rng.key_hash("plug-churn")],
                                     np.concatenate([h, h + 1])))[:, 0] - 1.0
    n = len(h)
    return u[:n] + (u[n:] - u[:n]) * (hours - h)


def _bump(minute, centre, width):
    return np.exp(-0.5 * ((minute - centre) / width) ** 2)


def _density(minute, centre, width):
    """A bump that integrates to 1 over the minutes of the day."""
    return _bump(minute, centre, width) / (width * np.sqrt(2.0 * np.pi))


def _kitchen(clock, scheduled, attendance, b):
    """Cafeteria activity: breakfast, a peak while lunch is cooked (before the lunch hour),
    the dish wash after it; weekdays with a schedule only. Each day has its own menu and
    timing (b[6], b[7])."""
    minute = clock.minute
    shift = (b[7] - 0.5) * 50.0
    peak = 690.0 + shift  # 11:30, the lunch hour is 12:00-13:00
    lunch = np.where(minute < peak, _bump(minute, peak, 65.0), _bump(minute, peak, 35.0))
    activity = (0.35 * _bump(minute, 465.0 + shift, 35.0) + lunch
                + 0.3 * _bump(minute, 840.0 + shift, 30.0))
    open_ = scheduled & (clock.weekday < 5) & ~clock.holiday
    scale = (0.55 + 0.8 * b[6]) * attendance / 0.85
    return np.where(open_, activity * scale, 0.0)


def _movements(spec, layout, clock, scheduled, f):
    """(elevator riders, restroom uses) per minute from how each zone's people move."""
    step = spec.interval_seconds / 60.0
    minute = clock.minute[:, None]
    sched = scheduled[:, None]
    span = f["peak"] - BASE
    arrive = np.where(sched & (minute >= f["start"] - 30.0) & (minute < f["start"] + 60.0),
                      span / 90.0, 0.0)
    depart = np.where(sched & (minute >= f["end"] - 60.0) & (minute < f["end"] + 45.0),
                      span / 105.0, 0.0)

    def at(t):  # an instant's movement, spread over the interval it falls in
        return (minute <= t) & (minute + step > t)

    leave = f["end"] + 45.0 + f["late"]
    once = 0.1 * (sched & (f["late"] > 0) & at(leave)) + 0.12 * (
        ~sched & f["visit"] & (at(f["visit_start"]) | at(f["visit_end"])))
    # Lunch: most of those in go down to the cafeteria or out, and come back up.
    present = f["people"]
    out = _density(minute, 715.0 + f["lunch_shift"], 18.0)
    back = _density(minute, 770.0 + f["lunch_shift"], 18.0)
    lunch = np.where(sched, 0.4 * present, 0.0)
    interfloor = present * 0.2 / 60.0
    moves = arrive + depart + once / step + lunch * (out + back) + interfloor
    per_zone = spec.schedule.people_per_1000_ft2 * spec.site.area_ft2 / 1000.0 / len(layout.zones)
    upper = np.array([z.floor > 1 for z in layout.zones], dtype=float)  # the ground floor walks
    lifts = (moves * upper).sum(axis=1) * per_zone
    uses = present * 0.5 / 60.0 + 0.4 * arrive + 0.3 * lunch * back  # visits, and on arrival
    return lifts, uses.sum(axis=1) * per_zone


def occupancy(spec, layout, clock, ts=None):
    """Stochastic, seed-keyed occupancy: each (zone, local day) draws its arrival and
    departure spread, a peak share, an absence (a team out), a late worker; each local day
    draws the building's attendance (Fridays lighter) and how much of its plug and lighting
    load is in use; plug loads churn hour to hour. All keyed by local day and hour, so a
    given day is always the same."""
    sched = spec.schedule
    start, end = _day_hours(sched, clock)
    scheduled = ~np.isnan(start)
    days, day_row = np.unique(clock.day, return_inverse=True)
    u = _draws(spec.seed, [z.key for z in layout.zones], days, 8)
    b = _draws(spec.seed, ["building"], days, 8)[:, :, 0]  # [8, D]
    u = u[:, day_row, :]  # [8, T, Z]
    b = b[:, day_row]  # [8, T]
    minute = clock.minute[:, None]
    friday = (clock.weekday == 4)[:, None]
    attendance = (0.65 + 0.35 * b[0] - 0.1 * friday[:, 0])[:, None]
    absent = u[6] < 0.06  # the zone's team is out (training, travel, a sick day)
    late = (u[6] > 0.85) * (60.0 + 180.0 * u[7])  # someone works late in this zone
    # The whole building comes in early or late some days (weather, traffic, a deadline).
    zone_start = start[:, None] + (u[0] - 0.5) * 75.0 + ((b[3] - 0.5) * 70.0)[:, None]
    zone_end = end[:, None] + (u[1] - 0.5) * 90.0 + ((b[4] - 0.5) * 70.0)[:, None]
    peak = sched.peak_occupancy * (0.75 + 0.3 * u[2]) * attendance * np.where(absent, 0.15, 1.0)
    people = _profile(minute, zone_start, zone_end, peak)
    stay = (minute >= zone_end + 45.0) & (minute < zone_end + 45.0 + late)
    people = np.where(scheduled[:, None] & stay, np.maximum(people, 0.1), people)

    visit_start = 540.0 + 240.0 * u[4]
    visiting = (u[3] < 0.08) & (minute >= visit_start) & (minute < visit_start + 120 + 240 * u[5])
    people = np.where(~scheduled[:, None] & visiting, 0.12, people)

    share = people.mean(axis=1) / sched.peak_occupancy
    hvac = scheduled & (clock.minute >= start - sched.hvac_lead_minutes) & (
        clock.minute < end + sched.hvac_lag_minutes
    )
    in_use = 0.8 + 0.4 * b[1]  # the day's share of desks, screens and fixtures in use
    # Night: egress and security lights, cleaning crews in the evening.
    cleaning = 0.12 * ((clock.minute >= 1140) & (clock.minute < 1320))
    lighting = np.clip(0.06 + cleaning + 0.9 * share * (0.9 + 0.2 * b[2]), 0.05, 0.98)
    churn = 1.0 + CHURN * _hourly(spec.seed, clock.day * 24.0 + clock.minute / 60.0)
    plugs = np.clip((0.45 + 0.5 * share * in_use) * churn, 0.3, 1.0)  # screens sleep at night
    moved = {"start": zone_start, "end": zone_end, "peak": peak, "late": late,
             "visit": u[3] < 0.08, "visit_start": visit_start,
             "visit_end": visit_start + 120 + 240 * u[5], "people": people,
             "lunch_shift": ((b[5] - 0.5) * 30.0)[:, None]}
    lifts, restroom = _movements(spec, layout, clock, scheduled, moved)
    kitchen = _kitchen(clock, scheduled, attendance[:, 0], b)
    return Occupancy(people, people > PRESENT, hvac, lighting, plugs, ts, lifts, restroom,
                     kitchen)
