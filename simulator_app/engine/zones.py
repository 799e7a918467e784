"""Zone thermal mass and VAV control: the one recurrence of the model, stepped in time.

Each zone is a single thermal node exchanging heat with outdoors (through its envelope, with
its gains folded into T_free) and with the other zones of its floor (open plan),
C dT/dt = UA (T_free - T) + UI (T_floor - T) + Q_hvac, solved exactly over a step for the HVAC
heat and floor temperature at its start, so any interval length is stable. The VAV picks the
airflow (and reheat) that lands the zone on its setpoint at the end of the step, within its
limits, aiming at a target that moves like a PI loop's after a setpoint step (controls.py);
the VAV box realises that flow through a lagging damper with a deadband, and its sensor
filters what it delivers. An AHU runs when its schedule says occupied, when optimal start
calls for recovery before occupancy, or, unoccupied, when a zone drifts outside the setback
band (night cycle, warm air for heating); a night cycle drives its zones a differential past
the setback, and a fan keeps its minimum on and off times.

The loop body is whole-array numpy over zones; every step does the same operations on arrays
of the same shape, so the result does not depend on where a window was split.
"""

from dataclasses import dataclass, field

import numpy as np

from .controls import (COLD_AHU_STEPS, KICK_F, OPT_BASE_MIN, OPT_COOL_MIN_PER_F,
                       OPT_HEAT_MIN_PER_F, OPT_MAX_MIN, START_STATIC, WARMUP_SAT_DIP_F,
                       ControlState, Dynamics)

AIR = 1.08  # Btu/h per cfm per °F (sensible heat of standard air)
NIGHT_DIFFERENTIAL_F = 2.0  # a night cycle overshoots the setback by this, then stops
DAT_MAX_F = 95.0  # highest discharge temperature a reheat coil delivers


@dataclass
class ZoneInputs:
    a: np.ndarray  # [Z] exp(-(UA + UI) dt / C): share of the old temperature left after a step
    g: np.ndarray  # [Z] °F per Btu/h over a step: (1 - a) / (UA + UI)
    free1a: np.ndarray  # [T, Z] (1 - a) UA T_free / (UA + UI): pull of weather and gains
    couple: np.ndarray  # [Z] (1 - a) UI / (UA + UI): pull of the floor's mean temperature
    per_floor: int  # zones per floor (consecutive)
    cool_sp: np.ndarray  # [T, Z] the cooling target the controller acts on
    heat_sp: np.ndarray  # [T, Z] the heating target the controller acts on
    cool_occ: np.ndarray  # [T, Z] the occupied cooling target (optimal start aims at it)
    heat_occ: np.ndarray  # [T, Z] the occupied heating target
    occupied: np.ndarray  # [T, A] bool: AHU in occupied mode
    sat: np.ndarray  # [T, A] °F supply air in occupied mode
    warmup_sat: float  # °F supply air in unoccupied heating
    hot_water: np.ndarray  # [T] bool: reheat available
    cfm_max: np.ndarray  # [Z]
    min_fraction: float  # occupied minimum airflow share
    stuck: np.ndarray  # [T, Z] bool: damper stuck
    stuck_cfm: np.ndarray  # [Z] airflow through a stuck damper with the fan on
    stuck_position: np.ndarray  # [Z] share open of a stuck damper
    zone_ahu: np.ndarray  # [Z] AHU index of each zone
    ahu_starts: np.ndarray  # [A] first zone of each AHU
    dyn: Dynamics = None  # control dynamics (tuning, hunting, start delays)
    # Faulty reheat valves (faults.zone_faults; None when every valve is healthy):
    reheat_floor: np.ndarray = None  # [T, Z] share of the coil's heat passed whatever the command
    reheat_gain: np.ndarray = None  # [T, Z] share of the coil's heat the command still moves
    # A failed supply fan (faults.zone_faults; None when every fan turns): no air reaches the
    # zone, its box opens wide (a stuck damper stays where it is stuck).
    fan_failed: np.ndarray = None  # [T, Z] bool


@dataclass
class ZoneResult:
    temp: np.ndarray  # [T, Z] °F at each timestamp
    flow: np.ndarray  # [T, Z] cfm delivered (what heats and cools the zone)
    flow_reading: np.ndarray  # [T, Z] cfm the box's flow sensor reads
    damper: np.ndarray  # [T, Z] damper command, share open
    position: np.ndarray  # [T, Z] where the damper really is, share open
    reheat: np.ndarray  # [T, Z] Btu/h reheat the coil really gives the air
    fan_cmd: np.ndarray  # [T, A] bool: fan commanded on
    ahu_on: np.ndarray  # [T, A] bool: fan running (proven)
    warmup: np.ndarray  # [T, A] bool: unoccupied heating with warm supply air
    sat: np.ndarray  # [T, A] °F supply air used
    static_ratio: np.ndarray  # [T, A] duct static / its setpoint-tracking value
    end_temp: np.ndarray  # [Z] °F at the end of the window (carried in state)
    end_controls: ControlState = field(default=None)  # control state at the window's end
    # [T, Z] Btu/h of reheat the controller commands (the valve command's heat); the same
    # array as `reheat` unless a reheat valve is faulty
    reheat_cmd: np.ndarray = None


def simulate(x, temp0, cs):
    T, Z = x.free1a.shape
    A = len(x.ahu_starts)
    out = ZoneResult(
        temp=np.empty((T, Z)), flow=np.empty((T, Z)), flow_reading=None,
        damper=np.empty((T, Z)), position=np.empty((T, Z)), reheat=np.empty((T, Z)),
        fan_cmd=np.empty((T, A), bool), ahu_on=np.empty((T, A), bool),
        warmup=np.empty((T, A), bool), sat=None, static_ratio=None, end_temp=None,
    )
    # Everything that does not depend on the zone temperatures is laid out before the loop,
    # so each step is a handful of ufunc calls on [Z] arrays (the loop runs 35,040 times a
    # year at 15 minutes). Rare work (optimal start, a target step's transient, fan
    # switching, warm-up air) runs only at the steps that need it; the common paths compute
    # exactly the same numbers, so where a window is split changes nothing.
    d = x.dyn
    a, g, cfm_max, zone_ahu, starts = x.a, x.g, x.cfm_max, x.zone_ahu, x.ahu_starts
    inv_g, air_g = 1.0 / g, AIR * g
    floors = Z // x.per_floor
    floor_of = np.arange(Z) // x.per_floor
    per_ahu = np.diff(np.append(starts, Z)).astype(np.float64)
    couple = x.couple / x.per_floor
    occupied = x.occupied
    occ_all = occupied.all(axis=1)
    occ_z = occupied[:, zone_ahu]
    occ_min = x.min_fraction * cfm_max
    base_flow = occ_z * occ_min
    overshoot = np.where(occ_z, 0.0, NIGHT_DIFFERENTIAL_F)
    cool_to, heat_to = x.cool_sp - overshoot, x.heat_sp + overshoot
    hunt = d.zone_hunt
    cool_h = cool_to + hunt
    heat_h = np.minimum(heat_to + hunt, cool_h - 0.5)
    rise_all = np.zeros((T, Z))
    rise_all[1:] = heat_to[1:] - heat_to[:-1]
    fall_all = np.zeros((T, Z))
    fall_all[1:] = cool_to[:-1] - cool_to[1:]
    kick_any = ((rise_all > KICK_F) | (fall_all > KICK_F)).any(axis=1)
    sat_occ = x.sat[:, zone_ahu]
    room_per_cfm = AIR * np.maximum(DAT_MAX_F - sat_occ, 0.0)
    any_stuck = bool(x.stuck.any())
    fan_failed = x.fan_failed
    failed_k = (np.zeros(T, bool) if fan_failed is None else fan_failed.any(axis=1))
    m00, m01, m10, m11 = d.m
    gain, deadband, lag = d.gain, d.deadband, d.lag
    cap = np.minimum(cfm_max * d.inv_gain, 1.0)  # the damper command for full design flow
    inv_gain = d.inv_gain
    delayed, h_start = d.delayed, d.h_start
    # Minutes to the occupied start, per AHU where schedules differ ([1] when they agree).
    to_start = d.to_start if d.to_start.ndim == 2 else d.to_start[:, None]
    starting = to_start.min(axis=1) <= OPT_MAX_MIN
    last = len(h_start) - 1
    min_on, min_off, warmup_sat, dip = d.min_on, d.min_off, x.warmup_sat, WARMUP_SAT_DIP_F
    hot_water = x.hot_water
    zeros_z, all_true = np.zeros(Z), np.ones(A, bool)
    # A faulty reheat valve: its heat at the box's flow is in the zone's response per cfm, so
    # the flow loop (integral action) fights it; a cooling loop whose air arrives warmer than
    # the zone can only wind its box open.
    valve_fault = x.reheat_floor is not None
    if valve_fault:
        out.reheat_cmd = np.empty((T, Z))
        floor_all, gain_r_all = x.reheat_floor, x.reheat_gain
        divide_r_all = np.where(gain_r_all > 0.0, gain_r_all, 1.0)
        faulty_all = (floor_all > 0.0) | (gain_r_all < 1.0)
        coil_cfm = occ_min  # a reheat coil is sized for the box's occupied minimum
    temp = np.array(temp0, dtype=np.float64)
    o = np.array([cs.oh, cs.oc])  # [2, Z] offsets of the heating and cooling references
    v = np.array([cs.vh, cs.vc])
    transient = bool(o.any() or v.any())
    heat_prev, cool_prev = cs.heat_prev, cs.cool_prev
    damper, position = cs.damper.copy(), cs.position.copy()
    cmd_prev, warm_prev, pre_prev = cs.cmd, cs.warm, cs.pre
    since = -np.minimum(cs.steps, COLD_AHU_STEPS)  # step of each fan command's last change
    was_pre = True  # compare the first step's targets with the carried ones
    for k in range(T):
        occ = occupied[k]
        if starting[k]:
            ahead = to_start[k]
            # Optimal start: recover toward the occupied band ahead of occupied mode, earlier
            # the further the zones are from it (capped); once begun it runs until then.
            ho, co = x.heat_occ[k], x.cool_occ[k]
            behind = (OPT_HEAT_MIN_PER_F * np.maximum(ho - temp, 0.0)
                      + OPT_COOL_MIN_PER_F * np.maximum(temp - co, 0.0))
            lead = np.minimum(OPT_BASE_MIN + np.add.reduceat(behind, starts) / per_ahu,
                              OPT_MAX_MIN)
            pre = (pre_prev | (ahead <= lead)) & ~occ & (ahead <= OPT_MAX_MIN)
        else:
            pre = None
        if pre is not None and pre.any():
            pre_z = pre[zone_ahu]
            hunt_k = hunt[k]
            hs, cs_ = np.where(pre_z, ho, x.heat_sp[k]), np.where(pre_z, co, x.cool_sp[k])
            ht, ct = np.where(pre_z, ho, heat_to[k]), np.where(pre_z, co, cool_to[k])
            cool_k = ct + hunt_k
            heat_k = np.minimum(ht + hunt_k, cool_k - 0.5)
            base = np.where(pre_z, occ_min, base_flow[k])  # boxes at their occupied minimum
            now_pre = True
        else:
            pre = pre_prev & False if pre is None else pre
            hs, cs_, ht, ct = x.heat_sp[k], x.cool_sp[k], heat_to[k], cool_to[k]
            cool_k, heat_k = cool_h[k], heat_h[k]
            base = base_flow[k]
            now_pre = False
        # A target step (morning start) restarts the PI-like reference from where the zone
        # is; it then reaches the target with some overshoot and settles (second order).
        if was_pre or now_pre:
            rise, fall = ht - heat_prev, cool_prev - ct
            kicked = bool(((rise > KICK_F) | (fall > KICK_F)).any())
        else:
            kicked = kick_any[k]
            if kicked:
                rise, fall = rise_all[k], fall_all[k]
        if kicked:
            kh, kc = rise > KICK_F, fall > KICK_F
            o[0] = np.where(kh, np.clip(temp - ht, -rise, 0.0), o[0])
            v[0] = np.where(kh, 0.0, v[0])
            o[1] = np.where(kc, np.clip(temp - ct, 0.0, fall), o[1])
            v[1] = np.where(kc, 0.0, v[1])
            transient = True
        heat_prev, cool_prev, was_pre = ht, ct, now_pre
        if transient:
            cool_eff = cool_k + o[1]
            heat_eff = np.minimum(heat_k + o[0], cool_eff - 0.5)
        else:
            cool_eff, heat_eff = cool_k, heat_k
        floor_sum = np.add.reduce(temp.reshape(floors, x.per_floor), axis=1)
        free = temp * a + x.free1a[k] + couple * floor_sum[floor_of]
        # Fans: minimum on and off times (a scheduled or optimal start is never held off) and
        # a start delay (commanded, not yet proven running).
        if occ_all[k] and cmd_prev is all_true:
            cmd = on = all_true
            warm = warm_any = False
        else:
            cold = np.logical_or.reduceat(free < hs, starts)
            hot = np.logical_or.reduceat(free > cs_, starts)
            desire = occ | pre | cold | hot
            held = k - since
            cmd = np.where(cmd_prev, desire | (held < min_on),
                           desire & ((held >= min_off) | occ | pre))
            changed = cmd != cmd_prev
            if changed.any():
                since = np.where(changed, k, since)
                on = cmd & ~(changed & delayed[k])
            else:
                on = cmd
            if cmd.all():
                cmd = all_true
            warm = cmd & ~occ & (cold | (warm_prev & ~hot))  # warm-up air, kept through a run
            warm_any = bool(warm.any())
        if warm_any:
            warm_z = warm[zone_ahu]
            sat_a = np.where(warm, warmup_sat - dip * h_start[np.minimum(k - since, last)],
                             x.sat[k])
            sat_z = sat_a[zone_ahu]
        else:
            sat_z = sat_occ[k]
        per_cfm = air_g * (sat_z - temp)  # °F the zone moves per cfm over the step
        if valve_fault:
            room_k = (room_per_cfm[k] if not warm_any else
                      AIR * np.maximum(DAT_MAX_F - sat_z, 0.0))
            leak_k = floor_all[k] if hot_water[k] else zeros_z
            # The loop's estimate of the valve's heat per cfm: at the flow it last delivered.
            was = position * gain[k]
            slope = _coil(room_k, was, coil_cfm) / np.maximum(was, 1.0)
            cooling = per_cfm < 0.0
            per_est = per_cfm + leak_k * slope * g
            at_base = free + base * per_est
            shortfall = np.where(cooling, at_base - cool_eff, heat_eff - at_base)
            extra = np.where(cooling & (per_est >= 0.0), np.where(shortfall > 0.0, 1e12, 0.0),
                             shortfall / np.maximum(np.abs(per_est), 1e-9))
        else:
            at_base = free + base * per_cfm
            shortfall = np.where(per_cfm < 0.0, at_base - cool_eff, heat_eff - at_base)
            extra = shortfall / np.maximum(np.abs(per_cfm), 1e-9)
        # The box: damper command for the flow it wants (ignoring changes inside its
        # deadband), the damper's position (lagging), the flow that position delivers.
        ideal = np.minimum((base + np.maximum(extra, 0.0)) * inv_gain[k], cap[k])
        damper = np.where(np.abs(ideal - damper) > deadband, ideal, damper)
        if on is not all_true:
            on_z = on[zone_ahu]
            damper = damper * on_z
        position = damper + (position - damper) * lag
        if any_stuck:
            position = np.where(x.stuck[k], x.stuck_position, position)
            flow = np.where(x.stuck[k], x.stuck_cfm, position * gain[k])
        else:
            flow = position * gain[k]
        if failed_k[k]:
            failed_z = fan_failed[k]
            opens = failed_z & ~x.stuck[k] if any_stuck else failed_z
            position = np.where(opens, 1.0, position)
            flow = np.where(failed_z, 0.0, flow)
        if on is not all_true:
            flow = flow * on_z
        moved = free + flow * per_cfm
        if valve_fault:
            # What the controller commands, and what the valve passes: its fixed share of
            # the coil's heat at this flow plus the part the command still moves.
            if hot_water[k]:
                room = np.where(faulty_all[k], _coil(room_k, flow, coil_cfm), flow * room_k)
                passed = leak_k * room
                moved = moved + passed * g
                need = np.maximum((heat_eff - moved) * inv_g, 0.0)
                command = np.minimum(need / divide_r_all[k], room)
                if warm_any:
                    command = np.where(warm_z, 0.0, command)
                moved_by = gain_r_all[k] * command
                reheat = passed + moved_by
                temp_next = moved + moved_by * g
            else:
                command = reheat = zeros_z
                temp_next = moved + zeros_z * g
            out.reheat_cmd[k] = command
        elif hot_water[k]:
            room = flow * (room_per_cfm[k] if not warm_any else
                           AIR * np.maximum(DAT_MAX_F - sat_z, 0.0))
            reheat = np.minimum(np.maximum((heat_eff - moved) * inv_g, 0.0), room)
            if warm_any:
                reheat = np.where(warm_z, 0.0, reheat)
            temp_next = moved + reheat * g
        else:
            reheat, temp_next = zeros_z, moved + zeros_z * g
        out.temp[k] = temp
        out.flow[k] = flow
        out.damper[k] = damper
        out.position[k] = position
        out.reheat[k] = reheat
        out.fan_cmd[k] = cmd
        out.ahu_on[k] = on
        out.warmup[k] = warm
        if transient:
            o, v = m00 * o + m01 * v, m10 * o + m11 * v
            if np.abs(o).max() < 1e-3 and np.abs(v).max() < 1e-2:
                o, v, transient = o * 0.0, v * 0.0, False
        temp = temp_next
        cmd_prev, warm_prev, pre_prev = cmd, warm if warm_any else all_true & False, pre
    out.end_temp = temp
    if not valve_fault:
        out.reheat_cmd = out.reheat
    # After the loop, vectorised: steps since each fan command's last change, the flow
    # sensor's filter, warm-up supply air and duct static start transients.
    held = _held(out.fan_cmd, cs.cmd, cs.steps)
    out.sat = np.where(out.warmup, warmup_sat - dip * h_start[np.minimum(held, last)], x.sat)
    out.flow_reading = _filtered(out.flow, cs.reading, d.sensor_lag, out.ahu_on[:, zone_ahu])
    out.static_ratio = 1.0 + d.static_hunt + START_STATIC * d.g_start[
        np.minimum(held, last)] * out.ahu_on
    out.end_controls = ControlState(o[0], v[0], o[1], v[1], np.asarray(heat_prev, float),
                                    np.asarray(cool_prev, float), damper, position,
                                    out.flow_reading[-1] if T else cs.reading,
                                    np.array(cmd_prev, bool), held[-1] + 1 if T else cs.steps,
                                    np.array(warm_prev, bool), np.array(pre_prev, bool))
    return out


def _coil(per_cfm, flow, coil_cfm):
    """Btu/h a reheat coil gives with its valve wide open: up to its design flow the air
    leaves it at DAT_MAX_F; above, its heat grows with the square root of the flow (the air
    leaves cooler), as a finned water coil's does."""
    return per_cfm * np.where(flow <= coil_cfm, flow, np.sqrt(flow * coil_cfm))


def _held(cmd, cmd0, steps0):
    """[T, A] steps each fan command has held its state at each step (0 at a change)."""
    T = len(cmd)
    prev = np.vstack([cmd0[None, :], cmd[:-1]])
    k = np.arange(T)[:, None]
    first = np.where(np.arange(T)[:, None] == 0, -np.minimum(steps0, COLD_AHU_STEPS)[None, :],
                     -COLD_AHU_STEPS - 1)
    since = np.maximum.accumulate(np.where(cmd != prev, k, first), axis=0)
    return np.minimum(k - since, COLD_AHU_STEPS)


def _filtered(flow, reading0, lag, on):
    """A first-order sensor filter per column (exact when the lag is nil), reading 0 off."""
    if not lag.any():
        return flow
    out = np.empty_like(flow)
    r = reading0
    for k in range(len(flow)):
        r = (flow[k] + (r - flow[k]) * lag) * on[k]
        out[k] = r
    return out
