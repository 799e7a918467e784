"""What one window hands the next, as JSON (it lives in a jsonb column between ticks).

    {
      "version": 1,
      "last_end": 1767225600,            # epoch seconds: the next window must start here
      "zone_temps": {"vav-01-north": 71.8, ...},          # thermal state, °F
      "totalizers": {"elec-meter.energy": 12345.6, ...},  # running totals, full precision
      "rates": {"elec-meter.energy": 412.5, ...},         # last rate each total integrated
      "held": {"ahu-1.mixed-air-temp": 61.2, ...},        # last reading: stale runs repeat it
      "idle": {"chiller.chws": [[1767225600, 44.0], null], ...}  # last running reading of
                                                          # plant sensors that drift when off
      "indoor": {"ahu-1": 612.4, ...},                    # return-air CO₂ (ppm) per AHU
      "staging": {"chw": [1, 1767220200, 1767220200], ...} # machines on, last change, last
                                                          # start (staging timers)
      "controls": {"vav-01-north": [0.1, 0.0, ...],       # control dynamics (controls.py):
                   "ahu-1": [1.0, 2700.0, 0.0, 0.0]}      # loop offsets, damper, fan timers
    }

Floats are stored at full precision (JSON round-trips float64 exactly), so a resumed run is
bit-identical to an uninterrupted one. Unknown or missing keys fall back to a cold start.
"""

import math
from dataclasses import dataclass, field

VERSION = 1


@dataclass
class State:
    last_end: int | None = None
    zone_temps: dict = field(default_factory=dict)
    totalizers: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)
    idle: dict = field(default_factory=dict)
    indoor: dict = field(default_factory=dict)
    staging: dict = field(default_factory=dict)
    controls: dict = field(default_factory=dict)

    def to_dict(self):
        return {
            "version": VERSION,
            "last_end": self.last_end,
            "zone_temps": _finite(self.zone_temps),
            "totalizers": _finite(self.totalizers),
            "rates": _finite(self.rates),
            "held": _finite(self.held),
            "idle": {k: [c if c is None else [c[0], c[1]] for c in v]
                     for k, v in self.idle.items()},
            "indoor": _finite(self.indoor),
            "staging": {k: [int(x) for x in v] for k, v in self.staging.items()},
            "controls": {k: [None if x is None else float(x) for x in v]
                         for k, v in self.controls.items()},
        }

    @classmethod
    def from_dict(cls, data):
        if data is None:
            return cls()
        if isinstance(data, State):
            return data
        if data.get("version", VERSION) != VERSION:
            raise ValueError(f"unsupported engine state version {data.get('version')!r}")
        last_end = data.get("last_end")
        return cls(
            last_end=None if last_end is None else int(last_end),
            zone_temps={k: float(v) for k, v in (data.get("zone_temps") or {}).items()},
            totalizers={k: float(v) for k, v in (data.get("totalizers") or {}).items()},
            rates={k: float(v) for k, v in (data.get("rates") or {}).items()},
            held={k: float(v) for k, v in (data.get("held") or {}).items()},
            idle={k: [c if c is None else [float(c[0]), float(c[1])] for c in v]
                  for k, v in (data.get("idle") or {}).items()},
            indoor={k: float(v) for k, v in (data.get("indoor") or {}).items()},
            staging={k: [int(x) for x in v] for k, v in (data.get("staging") or {}).items()},
            controls={k: [None if x is None else float(x) for x in v]
                      for k, v in (data.get("controls") or {}).items()},
        )


def _finite(values):
    """JSON has no NaN (and jsonb rejects it): unknown values are simply left out."""
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}
