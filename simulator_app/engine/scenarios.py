"""The default building's fault scenarios: a few episodes a year, so its data carries labels.

Dates are fixed (determinism); they cover 2025-2027 so backfills of the recent past and live
generation both meet faults. Each targets equipment of the default layout; a spec that changes
the layout without listing faults keeps only the ones whose equipment still exists.
"""

DEFAULT_FAULTS = [
    # 2025
    {"type": "economizer_stuck", "equip": "ahu-3", "start": "2025-01-13T14:00:00Z",
     "end": "2025-02-07T20:00:00Z", "severity": 1.0, "position_pct": 100},
    {"type": "leaking_valve", "equip": "ahu-2", "start": "2025-05-05T13:00:00Z",
     "end": "2025-08-22T21:00:00Z", "severity": 0.6, "ramp_days": 21},
    {"type": "stuck_damper", "equip": "vav-05-south", "start": "2025-07-07T15:00:00Z",
     "end": "2025-07-25T19:00:00Z", "severity": 0.8, "position_pct": 10},
    {"type": "short_cycling", "equip": "chiller-1", "start": "2025-08-04T12:00:00Z",
     "end": "2025-08-15T22:00:00Z", "severity": 0.7},
    {"type": "sensor_bias", "equip": "vav-09-west", "point": "zone-temp",
     "start": "2025-09-15T12:00:00Z", "end": "2025-11-21T17:00:00Z", "severity": 0.6,
     "ramp_days": 14, "magnitude": 5.0},
    {"type": "schedule_override", "equip": "ahu-4", "start": "2025-11-08T04:00:00Z",
     "end": "2025-11-26T15:00:00Z", "severity": 1.0},
    {"type": "short_cycling", "equip": "boiler-2", "start": "2025-12-08T11:00:00Z",
     "end": "2025-12-19T20:00:00Z", "severity": 0.6},
    # 2026
    {"type": "economizer_stuck", "equip": "ahu-1", "start": "2026-01-19T14:00:00Z",
     "end": "2026-02-13T21:00:00Z", "severity": 1.0, "position_pct": 100},
    {"type": "leaking_valve", "equip": "ahu-3", "start": "2026-05-11T13:00:00Z",
     "end": "2026-09-04T20:00:00Z", "severity": 0.7, "ramp_days": 28},
    {"type": "stuck_damper", "equip": "vav-03-south", "start": "2026-07-06T15:00:00Z",
     "end": "2026-07-31T19:00:00Z", "severity": 0.8, "position_pct": 10},
    {"type": "short_cycling", "equip": "chiller-2", "start": "2026-08-10T12:00:00Z",
     "end": "2026-08-21T22:00:00Z", "severity": 0.6},
    {"type": "sensor_bias", "equip": "vav-07-east", "point": "zone-temp",
     "start": "2026-10-05T12:00:00Z", "end": None, "severity": 0.5, "ramp_days": 21,
     "magnitude": 5.0},
    {"type": "schedule_override", "equip": "ahu-2", "start": "2026-11-14T04:00:00Z",
     "end": "2026-12-05T15:00:00Z", "severity": 1.0},
    {"type": "short_cycling", "equip": "boiler-1", "start": "2026-12-07T11:00:00Z",
     "end": "2027-01-08T20:00:00Z", "severity": 0.7},
    # 2027
    {"type": "economizer_stuck", "equip": "ahu-4", "start": "2027-01-18T14:00:00Z",
     "end": "2027-02-12T21:00:00Z", "severity": 1.0, "position_pct": 100},
    {"type": "leaking_valve", "equip": "ahu-1", "start": "2027-05-10T13:00:00Z",
     "end": "2027-08-27T20:00:00Z", "severity": 0.5, "ramp_days": 30},
    {"type": "stuck_damper", "equip": "vav-11-west", "start": "2027-07-12T15:00:00Z",
     "end": "2027-07-30T19:00:00Z", "severity": 0.8, "position_pct": 15},
]

DEFAULT_HOLIDAYS = [
    "new_years_day",
    "memorial_day",
    "independence_day",
    "labor_day",
    "thanksgiving",
    "day_after_thanksgiving",
    "christmas",
]
