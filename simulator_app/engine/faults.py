"""Fault scenarios: their strength over time, the physical effects they hand the models, and
the ground-truth labels.

Every effect is a closed-form function of absolute time (onset, ramp, end), so generating a
window in pieces cannot change it. Effects act on the physics, not on the output columns: a
leaking valve cools the supply air and loads the chiller, a biased zone sensor makes its VAV
control to the wrong temperature, a stuck damper starves its zone.
"""

from dataclasses import dataclass

import numpy as np

from . import rng
from .batch import Label
from .clock import local_clock
from .controls import minutes_to_start
from .spec import FAULT_MODES, minutes

FAULT_TARGETS = {
    "stuck_damper": ("vav",),
    "leaking_valve": ("ahu",),
    "economizer_stuck": ("ahu",),
    "schedule_override": ("ahu",),
    "short_cycling": ("chiller", "boiler"),
    "sensor_bias": ("vav", "ahu", "chiller", "boiler", "weather"),
    "coil_fouling": ("ahu",),
    "low_chw_delta_t": ("chw_plant",),
    "pump_failure": ("pump",),
    "fan_failure": ("ahu",),
    "tower_fan_failure": ("cooling_tower",),
    "duct_static_sensor": ("ahu",),
    "meter_fault": ("elec_meter", "elec_submeter"),
    "simultaneous_heating_cooling": ("ahu",),
    "setpoint_misconfig": ("vav", "ahu"),
    "schedule_misconfig": ("ahu",),
    "reheat_valve_stuck": ("vav",),
    "reheat_valve_leaking": ("vav",),
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
# Size of a fault at severity 1 when the spec names none, in the kind's unit. Keyed by kind,
# or by (kind, mode) where the modes differ; None: the kind has no size (a frozen meter, 24/7).
# A label's magnitude is what the physics applies once the onset ramp is done
# (label_magnitude): severity × this, except
#   meter_fault scale: the factor the reading is multiplied by, 1 + severity × (this - 1);
#   sizes a severity does not scale (_FIXED): a stuck reading, a deadband, a spike's depth,
#   a reheat valve's stuck position: this itself;
#   pump/fan/tower fan failure: 1.0 (share of the time tripped / of the tower's air lost);
#   the first kinds but sensor_bias (stuck_damper, leaking_valve, economizer_stuck,
#   schedule_override, short_cycling): no magnitude (None).
MAGNITUDES = {
    "sensor_bias": DEFAULT_BIAS_F,  # °F the sensor reads high
    "coil_fouling": 0.6,  # share of the cooling coil's capacity lost
    "low_chw_delta_t": 0.5,  # share of the plant's design ΔT lost (flow rises to match)
    ("duct_static_sensor", "bias"): -0.5,  # inH₂O the sensor reads high (low: over-pressure)
    ("duct_static_sensor", "stuck"): 0.0,  # inH₂O the stuck sensor reads
    ("meter_fault", "stuck"): None,  # power freezes at its onset value, the register stops
    ("meter_fault", "scale"): 1.5,  # reading = true × this (a wrong CT ratio), register too
    ("meter_fault", "spike"): 1.0,  # a spike reads -(this × true power); register unharmed
    "simultaneous_heating_cooling": 8.0,  # °F the leaking heating coil adds to the air
    ("setpoint_misconfig", "offset"): -3.0,  # °F on both occupied zone setpoints
    ("setpoint_misconfig", "deadband"): 0.5,  # °F between occupied heating and cooling
    ("schedule_misconfig", "always_on"): None,
    ("schedule_misconfig", "shift"): 2.0,  # hours the HVAC schedule runs late (- early)
    "reheat_valve_stuck": 100.0,  # % open the valve is stuck at (0: stuck shut)
    "reheat_valve_leaking": 0.3,  # share of the coil's capacity passing when shut
}
# Kinds whose magnitude may be given in the spec (the others have a fixed meaning).
MAGNITUDE_KINDS = ("sensor_bias", "coil_fouling", "low_chw_delta_t", "duct_static_sensor",
                   "meter_fault", "simultaneous_heating_cooling", "setpoint_misconfig",
                   "schedule_misconfig", "reheat_valve_stuck", "reheat_valve_leaking")
# Magnitudes for which 0 means something (a sensor stuck at 0 inH₂O, a valve stuck shut); for
# the others a zero size is no fault and is refused.
ZERO_MAGNITUDE = {("duct_static_sensor", "stuck"), ("reheat_valve_stuck", None)}
FAULT_STREAM = 0xFA17  # rng stream of trips and spikes (apart from rng.py's quality streams)
SPIKE_RATE = 0.05  # share of intervals a spiking meter glitches at severity 1
TOWER_NATURAL_DRAFT_F = 10.0  # extra approach of a tower without its fan, at no load
COIL_DT_F = 35.0  # design air-side range of a cooling coil (airside.COOL_COIL_DT_F)


def epoch(value):
    return None if value is None else int(value.timestamp())


def target(fault):
    """The catalogue key the fault acts on: the point for sensor bias, else the equipment."""
    if fault.type == "sensor_bias":
        return f"{fault.equip}.{fault.point or default_bias_point(fault.equip)}"
    return fault.equip


def default_bias_point(equip):
    return BIAS_POINTS[equip.split("-")[0]][0]


def mode(fault):
    """The form of a kind that has several (spec.FAULT_MODES), its default when unnamed."""
    modes = FAULT_MODES.get(fault.type)
    return None if modes is None else (fault.mode or modes[0])


def magnitude(fault):
    """The fault's size at severity 1 in its kind's unit (the spec's, else the default)."""
    if fault.magnitude is not None:
        return float(fault.magnitude)
    found = MAGNITUDES.get((fault.type, mode(fault)), MAGNITUDES.get(fault.type))
    return None if found is None else float(found)


def zero_magnitude_allowed(fault):
    """Whether a magnitude of 0 is meaningful for the fault's kind and mode."""
    return (fault.type, mode(fault)) in ZERO_MAGNITUDE


# Sizes a severity does not scale: a stuck reading or valve, a deadband, a spike's depth.
_FIXED = {("duct_static_sensor", "stuck"), ("setpoint_misconfig", "deadband"),
          ("meter_fault", "spike"), ("reheat_valve_stuck", None)}


def label_magnitude(fault):
    """What a label reports: the size the physics applies at the episode's severity, in the
    kind's unit (see MAGNITUDES); None for kinds without a size."""
    if fault.type in _LEGACY:
        return None
    size = magnitude(fault)
    if fault.type in ("pump_failure", "fan_failure", "tower_fan_failure"):
        size = 1.0  # share of the time tripped / of the tower's airflow lost
    if size is None or (fault.type, mode(fault)) in _FIXED:
        return size
    if (fault.type, mode(fault)) == ("meter_fault", "scale"):
        return 1.0 + float(fault.severity) * (size - 1.0)  # as meter_faults() scales
    return float(fault.severity) * size


_LEGACY = ("stuck_damper", "leaking_valve", "economizer_stuck", "schedule_override",
           "short_cycling")


def label_point(fault):
    """The point a point-level fault acts on (a biased sensor, the duct static sensor); None
    for the others."""
    if fault.type == "sensor_bias":
        return target(fault)
    if fault.type == "duct_static_sensor":
        return f"{fault.equip}.duct-static-pressure"
    return None


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
                                     float(fault.severity), point=label_point(fault),
                                     magnitude=label_magnitude(fault), mode=mode(fault))))
    return out


def labels(spec, start, end):
    """Episodes overlapping [start, end); an open-ended one is reported as lasting to `end`."""
    return [label for _, label in episodes(spec, start, end)]


@dataclass
class MeterFault:
    key: str  # the meter
    mode: str  # stuck / scale / spike
    strength: np.ndarray  # [T]
    size: float | None
    start: int  # onset, epoch seconds


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
    # The fault library beyond the first six kinds (all zeros / False when healthy):
    coil_fouling: np.ndarray = None  # [T, A] share of the cooling coil's capacity lost
    plant_dt_loss: np.ndarray = None  # [T] share of the CHW plant's design ΔT lost
    pump_down: dict = None  # "chw-pump"/"cw-pump"/"hw-pump" -> [T] bool: tripped
    fan_failed: np.ndarray = None  # [T, A] bool: supply fan commanded on, not turning
    tower_loss: np.ndarray = None  # [T] share of the tower's airflow lost
    static_bias: np.ndarray = None  # [T, A] inH₂O the duct static sensor reads high
    static_stuck: np.ndarray = None  # [T, A] bool
    static_stuck_value: np.ndarray = None  # [A] inH₂O a stuck sensor reads
    heat_leak_f: np.ndarray = None  # [T, A] °F a leaking heating coil adds to the air
    cool_sp_shift: np.ndarray = None  # [T, Z] °F on the occupied cooling setpoint
    heat_sp_shift: np.ndarray = None  # [T, Z] °F on the occupied heating setpoint
    schedule_set: np.ndarray = None  # [T, A] bool: a misconfigured schedule decides the mode
    schedule_on: np.ndarray = None  # [T, A] bool: ... and says occupied
    # AHU index -> ([T] bool on, [T] minutes to the shifted schedule's occupied start): where a
    # shifted schedule decides, optimal start aims at its start, not the true one.
    start_shift: dict = None
    meter_faults: list = None  # [MeterFault]
    # Reheat valves (the zone loop reads them through zone_faults):
    reheat_stuck: np.ndarray = None  # [T, Z] bool: reheat valve stuck
    reheat_position: np.ndarray = None  # [Z] stuck share open 0..1
    reheat_leak: np.ndarray = None  # [T, Z] share of the coil's capacity passing when shut

    def chw_down(self):
        """[T] bool: no chilled water reaches the coils (a CHW or condenser pump tripped)."""
        return self.pump_down["chw-pump"] | self.pump_down["cw-pump"]


def _trips(seed, key, ts, s):
    """[T] bool: hours in which the equipment is tripped, more of them as `s` grows to 1
    (then always): keyed by (seed, equipment, hour), so any interval and split agree."""
    hour = ts // 3600
    u = rng.uniform(rng.hashes(seed, FAULT_STREAM, [rng.key_hash(key)], hour))[:, 0]
    return (s > 0) & (u < s)


def hvac_schedule(spec, clock):
    """[T] bool: the HVAC schedule's occupied mode on `clock` (occupancy.py's rule)."""
    sched = spec.schedule
    start = np.full(len(clock.day), np.nan)
    end = np.full(len(clock.day), np.nan)
    for days, hours in ((clock.weekday < 5, sched.weekday), (clock.weekday == 5, sched.saturday),
                        (clock.weekday == 6, sched.sunday)):
        if hours is not None:
            sel = days & ~clock.holiday
            start[sel], end[sel] = minutes(hours.start), minutes(hours.end)
    with np.errstate(invalid="ignore"):
        return ~np.isnan(start) & (clock.minute >= start - sched.hvac_lead_minutes) & (
            clock.minute < end + sched.hvac_lag_minutes)


def effects(spec, layout, ts):
    T, Z, A = len(ts), len(layout.zones), len(layout.ahus)
    zone_index = {z.key: i for i, z in enumerate(layout.zones)}
    ahu_index = {k: i for i, k in enumerate(layout.ahus)}
    fx = Effects(
        zone_bias=np.zeros((T, Z)), damper_stuck=np.zeros((T, Z), bool),
        damper_position=np.zeros(Z), sat_bias=np.zeros((T, A)), oat_bias=np.zeros((T, A)),
        leak_f=np.zeros((T, A)), econ_stuck=np.zeros((T, A), bool), econ_position=np.zeros(A),
        override=np.zeros((T, A), bool), cycling_off={}, reading_bias={},
        coil_fouling=np.zeros((T, A)), plant_dt_loss=np.zeros(T),
        pump_down={k: np.zeros(T, bool) for k in ("chw-pump", "cw-pump", "hw-pump")},
        fan_failed=np.zeros((T, A), bool), tower_loss=np.zeros(T),
        static_bias=np.zeros((T, A)), static_stuck=np.zeros((T, A), bool),
        static_stuck_value=np.zeros(A), heat_leak_f=np.zeros((T, A)),
        cool_sp_shift=np.zeros((T, Z)), heat_sp_shift=np.zeros((T, Z)),
        schedule_set=np.zeros((T, A), bool), schedule_on=np.zeros((T, A), bool),
        start_shift={}, meter_faults=[], reheat_stuck=np.zeros((T, Z), bool), reheat_position=np.zeros(Z),
        reheat_leak=np.zeros((T, Z)),
    )
    k = ts // spec.interval_seconds
    sp = spec.setpoints
    first, last = (int(ts[0]), int(ts[-1])) if T else (0, -1)
    for fault in spec.faults:
        start, end = epoch(fault.start), epoch(fault.end)
        if last < start or (end is not None and first >= end):
            continue  # outside the window: strength() is all zeros (ts ascend)
        s = strength(fault, ts)
        if not s.any():
            continue
        on = s > 0
        position = (fault.position_pct if fault.position_pct is not None
                    else DEFAULT_POSITION_PCT.get(fault.type, 0.0)) / 100.0
        size = magnitude(fault)
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
            bias = s * size
            key = target(fault)
            point = key.split(".", 1)[1]
            if fault.equip in zone_index and point == "zone-temp":
                fx.zone_bias[:, zone_index[fault.equip]] += bias
            elif fault.equip in ahu_index and point == "discharge-air-temp":
                fx.sat_bias[:, ahu_index[fault.equip]] += bias
            elif fault.equip in ahu_index and point == "outside-air-temp":
                fx.oat_bias[:, ahu_index[fault.equip]] += bias
            fx.reading_bias[key] = fx.reading_bias.get(key, 0.0) + bias
        elif fault.type == "coil_fouling":
            a = ahu_index[fault.equip]
            fx.coil_fouling[:, a] = np.minimum(fx.coil_fouling[:, a] + s * size, 0.95)
        elif fault.type == "low_chw_delta_t":
            fx.plant_dt_loss = np.minimum(fx.plant_dt_loss + s * size, 0.8)
        elif fault.type == "pump_failure":
            fx.pump_down[fault.equip] |= _trips(spec.seed, fault.equip, ts, s)
        elif fault.type == "fan_failure":
            a = ahu_index[fault.equip]
            fx.fan_failed[:, a] |= _trips(spec.seed, fault.equip, ts, s)
        elif fault.type == "tower_fan_failure":
            fx.tower_loss = np.minimum(fx.tower_loss + s, 1.0)
        elif fault.type == "duct_static_sensor":
            a = ahu_index[fault.equip]
            if mode(fault) == "stuck":
                fx.static_stuck[:, a] |= on
                fx.static_stuck_value[a] = size
            else:
                fx.static_bias[:, a] += s * size
        elif fault.type == "meter_fault":
            fx.meter_faults.append(MeterFault(fault.equip, mode(fault), s, size,
                                              epoch(fault.start)))
        elif fault.type == "simultaneous_heating_cooling":
            fx.heat_leak_f[:, ahu_index[fault.equip]] += s * size
        elif fault.type == "setpoint_misconfig":
            if fault.equip in zone_index:
                zones = [zone_index[fault.equip]]
            else:
                zones = [i for i, z in enumerate(layout.zones)
                         if z.ahu == ahu_index[fault.equip]]
            if mode(fault) == "deadband":
                # Both setpoints close in on the middle of the band as the fault sets in.
                mid = (sp.occupied_cooling_f + sp.occupied_heating_f) / 2.0
                cool = s * (mid + size / 2.0 - sp.occupied_cooling_f)
                heat = s * (mid - size / 2.0 - sp.occupied_heating_f)
            else:
                cool = heat = s * size
            fx.cool_sp_shift[:, zones] += cool[:, None]
            fx.heat_sp_shift[:, zones] += heat[:, None]
        elif fault.type == "schedule_misconfig":
            a = ahu_index[fault.equip]
            if mode(fault) == "shift":
                # The controller runs its schedule on a clock that is off by the shift.
                step = spec.interval_seconds
                shift = np.rint(s * size * 3600.0 / step).astype(np.int64) * step
                lc = local_clock(ts - shift, spec.site.time_zone, spec.schedule.holidays)
                scheduled = hvac_schedule(spec, lc)
                # Per timestep, like schedule_on: several faults of one AHU combine the same
                # whatever part of them a window holds.
                shifted, to_start = fx.start_shift.get(
                    a, (np.zeros(T, bool), np.full(T, np.inf)))
                fx.start_shift[a] = (shifted | on,
                                     np.where(on, minutes_to_start(spec, lc), to_start))
            else:
                scheduled = np.ones(T, bool)
                if a in fx.start_shift:  # on 24/7 where on: no start to aim at there
                    shifted, to_start = fx.start_shift[a]
                    fx.start_shift[a] = (shifted & ~on, to_start)
            fx.schedule_set[:, a] |= on
            fx.schedule_on[:, a] = np.where(on, scheduled, fx.schedule_on[:, a])
        elif fault.type == "reheat_valve_stuck":
            z = zone_index[fault.equip]
            fx.reheat_stuck[:, z] |= on
            fx.reheat_position[z] = size / 100.0
        elif fault.type == "reheat_valve_leaking":
            z = zone_index[fault.equip]
            fx.reheat_leak[:, z] = np.minimum(fx.reheat_leak[:, z] + s * size, 1.0)
    return fx


def coil_limits(sat, leaving_fan, fx, chw_ok, hw_ok):
    """[T, A] supply air a faulty coil lets through: a fouled cooling coil cools the air by
    at most its remaining share of the design range; a leaking heating coil warms it when no
    chilled water is there to take the heat back out."""
    if fx.coil_fouling.any():
        reach = leaving_fan - COIL_DT_F * (1.0 - fx.coil_fouling)
        sat = np.where(chw_ok[:, None] & (fx.coil_fouling > 0), np.maximum(sat, reach), sat)
    if fx.heat_leak_f.any():
        warm = hw_ok[:, None] & ~chw_ok[:, None] & (fx.heat_leak_f > 0)
        sat = np.where(warm, np.maximum(sat, leaving_fan + fx.heat_leak_f), sat)
    return sat


def coil_dt_share(cooling, fx):
    """[T] the CHW ΔT the coils return, as a share of design, weighted by their loads: a
    fouled coil (less surface) sends water back colder, half as much as its capacity lost."""
    if not fx.coil_fouling.any():
        return 1.0
    share = 1.0 - 0.5 * fx.coil_fouling
    total = cooling.sum(axis=1)
    return np.where(total > 0, (cooling * share).sum(axis=1) / np.maximum(total, 1e-9), 1.0)


def shifted_setpoints(fx, occupied, cool_sp, heat_sp):
    """Occupied zone setpoints with a misconfiguration's offset or narrowed deadband."""
    if not (fx.cool_sp_shift.any() or fx.heat_sp_shift.any()):
        return cool_sp, heat_sp
    return (cool_sp + np.where(occupied, fx.cool_sp_shift, 0.0),
            heat_sp + np.where(occupied, fx.heat_sp_shift, 0.0))


def zone_faults(inputs, fx, zone_ahu):
    """The zone loop's inputs under a failed supply fan (no air reaches its zones: their
    boxes open wide and pass nothing), misconfigured occupied setpoints and faulty reheat
    valves (in place)."""
    if fx.reheat_stuck.any() or fx.reheat_leak.any():
        # The share of the coil's heat the valve passes whatever its command, and the share
        # a command still moves: stuck, its position and nothing; leaking, the leak and the
        # rest (seat leakage in parallel with the valve's opening).
        stuck = fx.reheat_stuck
        inputs.reheat_floor = np.where(stuck, fx.reheat_position[None, :], fx.reheat_leak)
        inputs.reheat_gain = np.where(stuck, 0.0, 1.0 - fx.reheat_leak)
    if fx.fan_failed.any():
        # Per timestep: the zone loop applies it after a stuck damper, which keeps passing
        # its stuck flow in the hours the fan runs.
        inputs.fan_failed = fx.fan_failed[:, zone_ahu]
    if fx.start_shift:
        # Optimal start per AHU: a shifted schedule's controller starts ahead of its start.
        to_start = np.repeat(inputs.dyn.to_start[:, None], len(inputs.ahu_starts), axis=1)
        for a, (on, shifted) in fx.start_shift.items():
            to_start[:, a] = np.where(on, shifted, to_start[:, a])
        inputs.dyn.to_start = to_start
    if fx.cool_sp_shift.any() or fx.heat_sp_shift.any():
        inputs.cool_occ = inputs.cool_occ + fx.cool_sp_shift
        inputs.heat_occ = inputs.heat_occ + fx.heat_sp_shift
    return inputs


def air_faults(signals, fx, chw_ok):
    """After the zone loop: what a failed fan and a faulty duct static sensor do to the AHU's
    readings (in place). Airflow and coil loads already follow from the zone loop."""
    if fx.fan_failed.any():
        failed = fx.fan_failed & (signals["ahu.fan_cmd"] > 0)
        # Commanded on, not turning: no status, no power, no static; the VFD winds up to
        # full speed chasing the static setpoint; the discharge sensor sits in still air.
        signals["ahu.fan_run"] = np.where(failed, False, signals["ahu.fan_run"])
        signals["ahu.fan_speed"] = np.where(failed, 100.0, signals["ahu.fan_speed"])
        signals["ahu.power"] = np.where(failed, 0.0, signals["ahu.power"])
        signals["ahu.static"] = np.where(failed, 0.0, signals["ahu.static"])
        signals["ahu.sat"] = np.where(failed, signals["ahu.mat"], signals["ahu.sat"])
        signals["ahu.cooling_valve"] = np.where(
            failed & chw_ok[:, None] & (signals["ahu.mat"] > signals["ahu.sat_sp"]), 100.0,
            signals["ahu.cooling_valve"])
    if fx.coil_fouling.any():
        # A fouled coil that cannot reach the setpoint holds its valve wide open.
        need = signals["ahu.mat"] + 1.0 - (signals["ahu.sat_sp"] - fx.sat_bias)
        starved = ((fx.coil_fouling > 0) & (signals["ahu.fan_run"] > 0) & chw_ok[:, None]
                   & (need > COIL_DT_F * (1.0 - fx.coil_fouling)))
        signals["ahu.cooling_valve"] = np.where(starved, 100.0, signals["ahu.cooling_valve"])
    if fx.static_stuck.any() or fx.static_bias.any():
        fan = (signals["ahu.fan_run"] > 0) & (signals["ahu.power"] > 0)
        speed = signals["ahu.fan_speed"] / 100.0
        true = signals["ahu.static"]
        sp = signals["ahu.static_sp"]
        # The loop drives the reading onto the setpoint: the true static becomes sp - bias
        # (fan laws: pressure ~ speed²); a stuck reading below the setpoint winds the fan up
        # to full speed, one above it down to the minimum.
        wanted = np.maximum(sp - fx.static_bias, 0.1)
        ratio = np.sqrt(wanted / np.maximum(true, 1e-6))
        stuck_speed = np.where(fx.static_stuck_value[None, :] < sp, 1.0, 0.25)
        new_speed = np.where(fx.static_stuck, stuck_speed, np.clip(speed * ratio, 0.25, 1.0))
        new_speed = np.where(fan, new_speed, speed)
        new_true = true * (new_speed / np.maximum(speed, 1e-6)) ** 2
        old_p, new_p = (0.04 + 0.96 * speed ** 3), (0.04 + 0.96 * new_speed ** 3)
        power = signals["ahu.power"] * new_p / np.maximum(old_p, 1e-9)
        reading = np.where(fx.static_stuck, fx.static_stuck_value[None, :],
                           new_true + fx.static_bias)
        faulty = (fx.static_stuck | (fx.static_bias != 0)) & fan
        signals["ahu.fan_speed"] = np.where(faulty, 100.0 * new_speed, signals["ahu.fan_speed"])
        signals["ahu.power"] = np.where(faulty, power, signals["ahu.power"])
        signals["ahu.static"] = np.where(
            faulty, np.maximum(reading, 0.0),
            np.where(fx.static_stuck, fx.static_stuck_value[None, :], signals["ahu.static"]))
    return signals


def meter_faults(spec, signals, fx, catalogue, carry, ts):
    """After the meters: a faulty meter's readings (in place). A scaled meter's register
    integrates its scaled power; a frozen meter repeats its onset power and its register
    stops; a spike glitches the instantaneous reading only. The main meter keeps summing
    the true loads (a faulty submeter does not move it). The frozen values are carried, one
    per onset: where stuck faults on one meter overlap, the earliest onset's value shows."""
    columns = {p.equip: p.column for p in catalogue.points} if fx.meter_faults else {}
    stuck = {}  # meter -> its stuck faults (after the scaled and spiking readings)
    for f in fx.meter_faults:
        kind = "elec_meter" if f.key == "elec-meter" else "elec_submeter"
        col = columns[f.key]
        power = signals[f"{kind}.power"]
        true = power[:, col].copy()
        if f.mode == "scale":
            power[:, col] = true * (1.0 + f.strength * (f.size - 1.0))
        elif f.mode == "spike":
            h = rng.hashes(spec.seed, FAULT_STREAM, [rng.key_hash(f.key + ".spike")],
                           ts // spec.interval_seconds)
            spiking = (f.strength > 0) & (rng.uniform(h)[:, 0] < f.strength * SPIKE_RATE)
            bias = np.where(spiking, -(1.0 + f.size) * true, 0.0)
            fx.reading_bias[f"{f.key}.power"] = fx.reading_bias.get(f"{f.key}.power", 0.0) + bias
        else:
            stuck.setdefault(f.key, []).append(f)
    for key, faults in stuck.items():  # the register (the true power's integral) stops
        kind = "elec_meter" if key == "elec-meter" else "elec_submeter"
        col = columns[key]
        power = signals[f"{kind}.power"]
        true = power[:, col].copy()
        name = f"fault.{key}.frozen"
        held = {int(s): float(v) for s, v in carry.get(name, None) or []}
        on_by_start = {}
        for f in faults:
            on_by_start[f.start] = on_by_start.get(f.start, False) | (f.strength > 0)
        frozen, shown = {}, np.zeros(len(ts))
        any_on = np.zeros(len(ts), bool)
        for start in sorted(on_by_start):  # earliest onset first: it shows where it is on
            on = on_by_start[start]
            first = np.flatnonzero(on)
            value = held.get(start)
            if value is None and len(first):
                value = float(true[first[0]])  # the onset, or a cold start inside the fault
            if value is None:
                continue
            frozen[start] = value
            shown = np.where(on & ~any_on, value, shown)
            any_on |= on
        if any_on.any():
            carry[name] = [[float(start), value] for start, value in frozen.items()]
            power[:, col] = np.where(any_on, 0.0, true)
            fx.reading_bias[f"{key}.power"] = fx.reading_bias.get(f"{key}.power", 0.0) + shown
    return signals
