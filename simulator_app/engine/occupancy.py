"""Who is in the building, on the site's local wall clock (weekends, holidays, DST included).

Each zone's people arrive and leave around the building schedule with offsets drawn per
(zone, local day), so zones differ day to day but a given day is always the same. On days
without a schedule a few zones get a short visit (someone comes in on a Saturday).
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


def occupancy(spec, layout, clock):
    sched = spec.schedule
    start, end = _day_hours(sched, clock)
    scheduled = ~np.isnan(start)
    days, day_row = np.unique(clock.day, return_inverse=True)
    u = _draws(spec.seed, [z.key for z in layout.zones], days, 6)
    u = u[:, day_row, :]  # [6, T, Z]
    minute = clock.minute[:, None]
    zone_start = start[:, None] + (u[0] - 0.5) * 60.0
    zone_end = end[:, None] + (u[1] - 0.5) * 90.0
    people = _profile(minute, zone_start, zone_end, sched.peak_occupancy * (0.75 + 0.3 * u[2]))

    visit_start = 540.0 + 240.0 * u[4]
    visiting = (u[3] < 0.08) & (minute >= visit_start) & (minute < visit_start + 120 + 240 * u[5])
    people = np.where(~scheduled[:, None] & visiting, 0.12, people)

    share = people.mean(axis=1) / sched.peak_occupancy
    hvac = scheduled & (clock.minute >= start - sched.hvac_lead_minutes) & (
        clock.minute < end + sched.hvac_lag_minutes
    )
    lighting = np.clip(0.05 + 0.94 * share, 0.05, 0.95)  # night: egress and security lights
    plugs = np.clip(0.4 + 0.5 * share, 0.4, 0.95)  # IT, elevators, fridges never sleep
    return Occupancy(people, people > PRESENT, hvac, lighting, plugs)
