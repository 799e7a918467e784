"""Control dynamics: what sits between a controller's command and what the building does.

Real loops are not deadbeat: a VAV box's flow loop positions its damper through an actuator
that takes minutes and ignores changes inside its deadband, the airflow it delivers depends on
the damper and on the duct static it sees (each box's pickup reads a little off), and its flow
sensor is filtered. Zone temperature loops overshoot and settle after a setpoint change (the
morning start) like a PI loop of realistic tuning, some loops hunt for a few days at a time,
and so do some supply-air and duct-static loops. Fans have minimum on and off times and a
start delay, and the air handlers start early by how far their zones are from the occupied
setpoints (optimal start).

Everything here is either a function of absolute time and the seed (tuning, hunting periods,
start-delay draws) laid out before the zone loop, or dynamic state that the zone loop carries
and hands on in engine State ("controls"), so generating a window in pieces equals one shot.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import rng
from .spec import minutes

# Zone temperature loops: a second-order (PI-like) reference response to setpoint steps.
ZETA = (0.45, 0.8)  # damping ratio: 20 % down to 1.5 % overshoot
OMEGA_PER_H = (3.0, 5.0)  # natural frequency (rad/h): first reaches setpoint in ~35-60 min
KICK_F = 1.0  # a target step larger than this restarts the reference from the zone
# VAV boxes
BOX_GAIN = (0.9, 1.1)  # delivered / nominal airflow at a given damper position and static
DEADBAND = (0.01, 0.03)  # damper command ignores changes smaller than this share
ACTUATOR_MIN = (3.0, 7.0)  # damper time constant (actuator plus flow loop), minutes
SENSOR_MIN = (0.3, 1.0)  # flow sensor filter time constant, minutes
NEGLIGIBLE = 1e-6  # a decay factor below this is treated as zero (no float dust)
# Hunting: per (loop, HUNT_DAYS block) a chance that the loop oscillates that block
HUNT_DAYS = 3
HUNT_CHANCE = 0.12
ZONE_HUNT_F = (0.3, 0.9)
ZONE_HUNT_MIN = (45.0, 90.0)
SAT_HUNT_F = (0.5, 1.2)
SAT_HUNT_MIN = (40.0, 80.0)
STATIC_HUNT = (0.01, 0.025)  # share of the static setpoint
STATIC_HUNT_MIN = (20.0, 45.0)
# Fans
MIN_ON_S = 45 * 60
MIN_OFF_S = 30 * 60
START_DELAY_S = (20.0, 90.0)  # command to proven run
# Start transients of the air handler's own loops (settle in ~30-40 min)
START_ZETA, START_OMEGA_PER_H = 0.5, 8.0
START_STATIC = 0.1  # duct static overshoot scale (share of setpoint)
WARMUP_SAT_DIP_F = 10.0  # warm-up supply air starts this far below its setpoint
# Optimal start: minutes of lead per °F the zones are from their occupied band, capped
OPT_BASE_MIN, OPT_HEAT_MIN_PER_F, OPT_COOL_MIN_PER_F, OPT_MAX_MIN = 15.0, 15.0, 12.0, 180.0

ZONE_FIELDS = ("oh", "vh", "oc", "vc", "heat_prev", "cool_prev", "damper", "position",
               "reading")
AHU_FIELDS = ("cmd", "steps", "warm", "pre")


@dataclass
class Dynamics:
    m: tuple  # (m00, m01, m10, m11) [Z] reference transition over one step
    gain: np.ndarray  # [T, Z] cfm delivered per unit damper position (box gain, static)
    inv_gain: np.ndarray  # [T, Z]
    deadband: np.ndarray  # [Z]
    lag: np.ndarray  # [Z] share of the damper's old position left after a step
    sensor_lag: np.ndarray  # [Z]
    zone_hunt: np.ndarray  # [T, Z] °F added to the zone targets
    static_hunt: np.ndarray  # [T, A] share of the static setpoint
    delayed: np.ndarray  # [T, A] bool: a start at this step is not proven until the next
    min_on: int  # steps
    min_off: int  # steps
    h_start: np.ndarray  # [N] unit step response of the AHU loops by steps since start
    g_start: np.ndarray  # [N] its overshoot shape (0 at start, peak ~0.5)
    # [T] minutes until occupied mode starts today (inf if not ahead); [T, A] where an AHU's
    # schedule is shifted (faults.zone_faults)
    to_start: np.ndarray


def _draws(seed, keys, n):
    """[n, len(keys)] uniforms: per-key tuning constants (memoised, read-only)."""
    return _draws_cached(seed, tuple(keys), n)


@lru_cache(maxsize=1024)
def _draws_cached(seed, keys, n):
    u = rng.uniform(rng.hashes(seed, rng.WANDER, _key_hashes("controls:", keys), np.arange(n)))
    u.flags.writeable = False
    return u


@lru_cache(maxsize=1024)
def _key_hashes(prefix, keys):
    """uint64 hashes of prefix + key for each key (memoised, read-only)."""
    h = rng.key_hashes([f"{prefix}{k}" for k in keys])
    h.flags.writeable = False
    return h


def _span(u, bounds):
    return bounds[0] + (bounds[1] - bounds[0]) * u


def _hunting(seed, keys, ts, amplitude, period_min):
    """[T, n] sustained oscillations of some loops over some HUNT_DAYS blocks."""
    keys = tuple(keys)
    scale, period_s, phase = _hunt_constants(seed, keys, tuple(amplitude), tuple(period_min))
    block = ts // (HUNT_DAYS * 86400)
    if len(block) == 1:
        active = _hunt_active(seed, keys, int(block[0]))
    else:
        blocks, row = np.unique(block, return_inverse=True)
        active = _hunt_draws(seed, keys, blocks)[row] < HUNT_CHANCE
    wave = np.sin(2 * np.pi * (ts[:, None] % (HUNT_DAYS * 86400)) / period_s + phase)
    return active * scale * wave


@lru_cache(maxsize=256)
def _hunt_constants(seed, keys, amplitude, period_min):
    """(amplitude, period s, phase) [n] of each loop's hunting (memoised, read-only)."""
    u = _draws_cached(seed, tuple(f"hunt:{k}" for k in keys), 3)
    out = (_span(u[0], amplitude), 60.0 * _span(u[1], period_min), 2 * np.pi * u[2])
    for a in out:
        a.flags.writeable = False
    return out


def _hunt_draws(seed, keys, blocks):
    return rng.uniform(rng.hashes(seed, rng.WANDER, _key_hashes("controls:hunting:", keys),
                                  blocks))


@lru_cache(maxsize=1024)
def _hunt_active(seed, keys, block):
    """[1, n] bool: which loops hunt in HUNT_DAYS block `block` (memoised, read-only)."""
    active = _hunt_draws(seed, keys, np.array([block], np.int64)) < HUNT_CHANCE
    active.flags.writeable = False
    return active


def _second_order(zeta, omega, t):
    """Transition of x'' + 2ζωx' + ω²x = 0 over t (hours): (m00, m01, m10, m11)."""
    sigma, wd = zeta * omega, omega * np.sqrt(1.0 - zeta * zeta)
    e, c, s = np.exp(-sigma * t), np.cos(wd * t), np.sin(wd * t)
    return (e * (c + sigma / wd * s), e * s / wd, -e * omega * omega / wd * s,
            e * (c - sigma / wd * s))


def minutes_to_start(spec, clock):
    """[T] minutes from each timestamp to today's occupied-mode start; inf when not ahead."""
    sched = spec.schedule
    start = np.full(len(clock.day), np.nan)
    for days, hours in ((clock.weekday < 5, sched.weekday), (clock.weekday == 5, sched.saturday),
                        (clock.weekday == 6, sched.sunday)):
        if hours is not None:
            start[days & ~clock.holiday] = minutes(hours.start)
    ahead = start - sched.hvac_lead_minutes - clock.minute
    return np.where(ahead > 0, ahead, np.inf)


def plan(spec, layout, ts, clock, cfm_max):
    """Everything about the controls that is a function of time and seed only."""
    step_s = spec.interval_seconds
    step_h = step_s / 3600.0
    zones = [z.key for z in layout.zones]
    ahus = list(layout.ahus)
    u = _draws(spec.seed, zones, 6)
    m = _second_order(_span(u[0], ZETA), _span(u[1], OMEGA_PER_H), step_h)
    zone_hunt = _hunting(spec.seed, zones, ts, ZONE_HUNT_F, ZONE_HUNT_MIN)
    static_hunt = _hunting(spec.seed, [f"{a}.static" for a in ahus], ts, STATIC_HUNT,
                           STATIC_HUNT_MIN)
    # A pressure-independent box compensates for static; what is left is its pickup's error
    # and the static ripple it sees between corrections.
    ripple = np.sqrt(1.0 + static_hunt[:, layout_zone_ahu(layout)])
    gain = cfm_max * _span(u[2], BOX_GAIN) * ripple
    a = _draws(spec.seed, ahus, 1)
    delay_s = _span(a[0], START_DELAY_S)
    p_delay = np.minimum(delay_s / step_s, 1.0)
    delayed = rng.uniform(rng.hashes(spec.seed, rng.WANDER, _key_hashes(
        "controls:start:", tuple(ahus)), ts // step_s)) < p_delay
    n = max(2, int(np.ceil(4 * 3600 / step_s)) + 1)
    t = (np.arange(n) + 0.5) * step_h
    sigma = START_ZETA * START_OMEGA_PER_H
    wd = START_OMEGA_PER_H * np.sqrt(1 - START_ZETA ** 2)
    h = np.exp(-sigma * t) * (np.cos(wd * t) + sigma / wd * np.sin(wd * t))
    g = np.exp(-sigma * t) * np.sin(wd * t)
    h[-1] = g[-1] = 0.0
    lag = np.exp(-step_s / 60.0 / _span(u[3], ACTUATOR_MIN))
    sensor = np.exp(-step_s / 60.0 / _span(u[4], SENSOR_MIN))
    return Dynamics(
        m=m, gain=gain, inv_gain=1.0 / gain, deadband=_span(u[5], DEADBAND),
        lag=np.where(lag < NEGLIGIBLE, 0.0, lag), sensor_lag=np.where(sensor < NEGLIGIBLE, 0.0,
                                                                      sensor),
        zone_hunt=zone_hunt, static_hunt=static_hunt, delayed=delayed,
        min_on=int(np.ceil(MIN_ON_S / step_s)), min_off=int(np.ceil(MIN_OFF_S / step_s)),
        h_start=h, g_start=g, to_start=minutes_to_start(spec, clock),
    )


def layout_zone_ahu(layout):
    return np.array([z.ahu for z in layout.zones])


def sat_hunting(spec, layout, ts, oat, chw_ok):
    """[T, A] °F of supply-air hunting, only where the cooling coil is surely in control (hot
    weather, economizer at its minimum), so hunting never calls for heat while economizing."""
    hunt = _hunting(spec.seed, [f"{a}.sat" for a in layout.ahus], ts, SAT_HUNT_F, SAT_HUNT_MIN)
    limit = max(spec.setpoints.economizer_high_limit_f, spec.setpoints.occupied_cooling_f + 3.0)
    return hunt * (chw_ok & (oat > limit + 1.0))[:, None]


@dataclass
class ControlState:
    oh: np.ndarray
    vh: np.ndarray
    oc: np.ndarray
    vc: np.ndarray
    heat_prev: np.ndarray
    cool_prev: np.ndarray
    damper: np.ndarray
    position: np.ndarray
    reading: np.ndarray
    cmd: np.ndarray  # [A] bool
    steps: np.ndarray  # [A] int: steps the fan command has held its state
    warm: np.ndarray  # [A] bool
    pre: np.ndarray  # [A] bool: optimal start under way


COLD_AHU_STEPS = 10 ** 6


def load(stored, zone_keys, ahu_keys, step_s):
    """Arrays from the state's "controls" dict; anything missing starts cold (dampers shut,
    no transient, fans off long enough to start)."""
    stored = stored or {}
    cold_zone = [0.0, 0.0, 0.0, 0.0, np.nan, np.nan, 0.0, 0.0, 0.0]
    z = _rows([stored.get(k) for k in zone_keys], cold_zone)
    cold_ahu = [0.0, COLD_AHU_STEPS * step_s, 0.0, 0.0]
    a = _rows([stored.get(k) for k in ahu_keys], cold_ahu)
    z = z.reshape(len(zone_keys), len(ZONE_FIELDS))
    a = a.reshape(len(ahu_keys), len(AHU_FIELDS))
    return ControlState(*(z[:, i].copy() for i in range(len(ZONE_FIELDS))),
                        cmd=a[:, 0] > 0.5,
                        steps=np.minimum(a[:, 1] // step_s, COLD_AHU_STEPS).astype(np.int64),
                        warm=a[:, 2] > 0.5, pre=a[:, 3] > 0.5)


def _rows(values, cold):
    """[len(values), len(cold)] float64: each value as _row reads it, in one numpy pass when
    every value is a list of the right length (the common case: a state this module wrote)."""
    n = len(cold)
    if values and all(type(v) is list and len(v) == n for v in values):
        obj = np.array(values, dtype=object).reshape(len(values), n)
        none = obj == None  # noqa: E711 (elementwise)
        if none.any():
            obj[none] = np.broadcast_to(np.array(cold, dtype=object), obj.shape)[none]
        return obj.astype(np.float64)
    return np.array([_row(v, cold) for v in values], dtype=np.float64)


def _row(value, cold):
    if not isinstance(value, (list, tuple)) or len(value) != len(cold):
        return cold
    return [c if v is None else float(v) for v, c in zip(value, cold)]


def store(cs, zone_keys, ahu_keys, step_s):
    """The "controls" dict for the state: full-precision floats, None for unknown."""
    zone = np.column_stack([np.asarray(getattr(cs, f), dtype=np.float64) for f in ZONE_FIELDS])
    finite = np.isfinite(zone)
    if finite.all():
        rows = zone.tolist()
    else:
        obj = zone.astype(object)
        obj[~finite] = None
        rows = obj.tolist()
    out = dict(zip(zone_keys, rows))
    for i, k in enumerate(ahu_keys):
        out[k] = [float(bool(cs.cmd[i])), float(min(int(cs.steps[i]), COLD_AHU_STEPS) * step_s),
                  float(bool(cs.warm[i])), float(bool(cs.pre[i]))]
    return out
