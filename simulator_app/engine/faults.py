"""Fault scenarios: their strength over time, the physical effects they hand the models, and
the ground-truth labels.

Every effect is a closed-form function of absolute time (onset, ramp, end), so generating a
window in pieces cannot change it. Effects act on the physics, not on the output columns: a
leaking valve cools the supply air and loads the chiller, a biased zone sensor makes its VAV
control to the wrong temperature, a stuck damper starves its zone.
"""

from dataclasses import dataclass

import numpy as np

from .batch import Label

FAULT_TARGETS = {
    "stuck_damper": ("vav",),
    "leaking_valve": ("ahu",),
    "economizer_stuck": ("ahu",),
    "schedule_override": ("ahu",),
    "short_cycling": ("chiller", "boiler"),
    "sensor_bias": ("vav", "ahu", "chiller", "boiler", "weather"),
}
# First entry is the default. A VAV's zone-temp and an AHU's discharge- and outside-air-temp
# feed control loops, so their bias changes what the equipment does; the others only misread.
BIAS_POINTS = {
    "vav": ("zone-temp", "discharge-air-temp"),
    "ahu": ("discharge-air-temp", "outside-air-temp", "mixed-air-temp", "return-air-temp"),
    "chiller": ("chw-supply-temp", "chw-return-temp"),
    "boiler": ("hw-supply-temp", "hw-return-temp"),
    "weather": ("air-temp",),
}
DEFAULT_BIAS_F = 5.0
DEFAULT_POSITION_PCT = {"stuck_damper": 10.0, "economizer_stuck": 100.0}
LEAK_MAX_F = 10.0  # supply-air cooling of a fully open leak through the coil


def epoch(value):
    return None if value is None else int(value.timestamp())


def target(fault):
    """The catalogue key the fault acts on: the point for sensor bias, else the equipment."""
    if fault.type == "sensor_bias":
        return f"{fault.equip}.{fault.point or default_bias_point(fault.equip)}"
    return fault.equip


def default_bias_point(equip):
    return BIAS_POINTS[equip.split("-")[0]][0]


def strength(fault, ts):
    """Severity × onset ramp inside [start, end), 0 outside; float64 over `ts`."""
    start, end = epoch(fault.start), epoch(fault.end)
    active = ts >= start
    if end is not None:
        active &= ts < end
    ramp = 1.0
    if fault.ramp_days > 0:
        ramp = np.clip((ts - start) / (fault.ramp_days * 86400.0), 0.0, 1.0)
    return np.where(active, fault.severity * ramp, 0.0)


def episodes(spec, start, end):
    """[(fault, label)] of the episodes overlapping [start, end) (epoch seconds): readers that
    need more than the label (its points, whether it is open-ended) pair them here."""
    out = []
    for fault in spec.faults:
        s, e = epoch(fault.start), epoch(fault.end)
        if s < end and (e is None or e > start):
            out.append((fault, Label(fault.type, target(fault), s, end if e is None else e,
                                     float(fault.severity))))
    return out


def labels(spec, start, end):
    """Episodes overlapping [start, end); an open-ended one is reported as lasting to `end`."""
    return [label for _, label in episodes(spec, start, end)]


@dataclass
class Effects:
    """Per-window fault effects, shaped for the models that consume them."""

    zone_bias: np.ndarray  # [T, Z] °F the zone sensor reads high (controls see it)
    damper_stuck: np.ndarray  # [T, Z] bool
    damper_position: np.ndarray  # [Z] stuck fraction 0..1
    sat_bias: np.ndarray  # [T, A] °F the discharge sensor reads high (AHU controls see it)
    oat_bias: np.ndarray  # [T, A] °F the AHU outside-air sensor reads high (economizer)
    leak_f: np.ndarray  # [T, A] supply-air cooling from a leaking chilled-water valve
    econ_stuck: np.ndarray  # [T, A] bool
    econ_position: np.ndarray  # [A] stuck fraction 0..1
    override: np.ndarray  # [T, A] bool: occupied mode forced on
    cycling_off: dict  # chiller/boiler key -> [T] bool: forced off by short cycling
    reading_bias: dict  # point key -> [T] °F added to the reading only


def effects(spec, layout, ts):
    T, Z, A = len(ts), len(layout.zones), len(layout.ahus)
    zone_index = {z.key: i for i, z in enumerate(layout.zones)}
    ahu_index = {k: i for i, k in enumerate(layout.ahus)}
    fx = Effects(
        zone_bias=np.zeros((T, Z)), damper_stuck=np.zeros((T, Z), bool),
        damper_position=np.zeros(Z), sat_bias=np.zeros((T, A)), oat_bias=np.zeros((T, A)),
        leak_f=np.zeros((T, A)), econ_stuck=np.zeros((T, A), bool), econ_position=np.zeros(A),
        override=np.zeros((T, A), bool), cycling_off={}, reading_bias={},
    )
    k = ts // spec.interval_seconds
    for fault in spec.faults:
        s = strength(fault, ts)
        if not s.any():
            continue
        on = s > 0
        position = (fault.position_pct if fault.position_pct is not None
                    else DEFAULT_POSITION_PCT.get(fault.type, 0.0)) / 100.0
        if fault.type == "stuck_damper":
            z = zone_index[fault.equip]
            fx.damper_stuck[:, z] |= on
            fx.damper_position[z] = position
        elif fault.type == "economizer_stuck":
            a = ahu_index[fault.equip]
            fx.econ_stuck[:, a] |= on
            fx.econ_position[a] = position
        elif fault.type == "leaking_valve":
            fx.leak_f[:, ahu_index[fault.equip]] += s * LEAK_MAX_F
        elif fault.type == "schedule_override":
            fx.override[:, ahu_index[fault.equip]] |= on
        elif fault.type == "short_cycling":
            # Off one interval in every n: n shrinks from 6 to 2 as the fault worsens.
            n = 2 + np.rint(4.0 * (1.0 - s)).astype(np.int64)
            off = on & (k % n == 0)
            fx.cycling_off[fault.equip] = fx.cycling_off.get(fault.equip, False) | off
        elif fault.type == "sensor_bias":
            bias = s * (fault.magnitude or DEFAULT_BIAS_F)
            key = target(fault)
            point = key.split(".", 1)[1]
            if fault.equip in zone_index and point == "zone-temp":
                fx.zone_bias[:, zone_index[fault.equip]] += bias
            elif fault.equip in ahu_index and point == "discharge-air-temp":
                fx.sat_bias[:, ahu_index[fault.equip]] += bias
            elif fault.equip in ahu_index and point == "outside-air-temp":
                fx.oat_bias[:, ahu_index[fault.equip]] += bias
            fx.reading_bias[key] = fx.reading_bias.get(key, 0.0) + bias
    return fx
