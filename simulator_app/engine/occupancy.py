"""Who is in the building, on the site's local wall clock (weekends, holidays, DST included).

Each zone's people arrive and leave around the building schedule with offsets drawn per
(zone, local day), teams are sometimes out, someone sometimes works late, and the building's
attendance and the share of its plug and lighting load in use vary by day; a given day is
always the same. On days without a schedule a few zones get a short visit (someone comes in
on a Saturday). IT and always-on loads (equipment.base_load_w_per_ft2) run around the clock.
"""

from dataclasses import dataclass

import numpy as np

from . import rng
from .spec import minutes

BASE = 0.02  # security and cleaning at night, as a share of design occupancy
PRESENT = 0.08  # zone occupancy above which the zone's occupancy sensor trips


@dataclass
class Occupancy:
    zone_people: np.ndarray  # [T, Z] share of the zone's design occupancy
    zone_occupied: np.ndarray  # [T, Z] bool: occupancy sensor
    hvac_occupied: np.ndarray  # [T] bool: schedule says occupied mode (before overrides)
    lighting: np.ndarray  # [T] share of installed lighting power
    plugs: np.ndarray  # [T] share of installed plug power


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
    """n uniforms per (local day, zone): [n, D, Z]."""
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


def occupancy(spec, layout, clock):
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
    b = _draws(spec.seed, ["building"], days, 6)[:, :, 0]  # [6, D]
    u = u[:, day_row, :]  # [8, T, Z]
    b = b[:, day_row]  # [4, T]
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
    churn = 1.0 + 0.15 * _hourly(spec.seed, clock.day * 24.0 + clock.minute / 60.0)
    plugs = np.clip((0.45 + 0.5 * share * in_use) * churn, 0.3, 1.0)  # screens sleep at night
    return Occupancy(people, people > PRESENT, hvac, lighting, plugs)
