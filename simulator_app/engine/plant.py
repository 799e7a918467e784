"""The chilled-water plant: chillers staged on the coil load, a cooling tower, CHW/CW pumps.

Chiller power follows a DOE-2 style curve: design kW × EIR(temperatures) × EIR(part load), so
COP peaks at part load with cool condenser water and sags with lift. Flow and ΔT obey
tons = gpm × ΔT / 24 exactly; the condenser carries the load plus the compressor heat.
"""

import numpy as np

from . import idle
from .controls import _hunting
from .faults import TOWER_NATURAL_DRAFT_F
from .staging import CHILLER_TIMERS, SOFT_LOAD_START, stage

KW_PER_TON = 3.517
CHW_GPM_PER_TON = 2.4
CW_GPM_PER_TON = 3.0
TOWER_KW_PER_TON = 0.04
CHW_PUMP_KW_PER_GPM = 0.016
CW_PUMP_KW_PER_GPM = 0.013
CW_MIN_F = 65.0
MIN_PLR = 0.1  # below this a chiller cycles: it runs at MIN_PLR for part of the interval
MIN_START = 0.005  # of one chiller: below it the last chiller stops (once its timer allows)
LOOP_GAIN = 0.01  # of a running chiller's capacity: pump heat and piping gains
# Available capacity: less with warm condenser water, a little more with warm chilled water.
DERATE_PER_F_CW, GAIN_PER_F_CHW, DESIGN_CW_F = 0.01, 0.015, 85.0
# Leaving-water loop after a start: a second-order pull-down (ζ 0.6: ~10 % overshoot) from
# up to CHW_START_F above setpoint (a loop warmed by a long rest), settled in about an hour.
CHW_START_F, CHW_ZETA, CHW_OMEGA_PER_MIN = 7.0, 0.6, 0.1
CHW_HUNT_F, CHW_HUNT_MIN = (0.3, 0.8), (15.0, 35.0)  # some loops hunt some 3-day blocks


def chilled_water_reset(sp, oat):
    """Warmer chilled water in mild weather, design temperature from 80 °F outside."""
    return np.interp(oat, [60.0, 80.0], [sp.chilled_water_max_f, sp.chilled_water_f])


def start_response(since_s, step_s, zeta, omega_per_min):
    """Share of a start's offset left `since_s` seconds after it, read at the interval's end:
    the step response of an underdamped loop (1 -> 0, overshooting past 0 once)."""
    t = (np.asarray(since_s, float) + step_s) / 60.0
    sigma, wd = zeta * omega_per_min, omega_per_min * np.sqrt(1.0 - zeta * zeta)
    x = np.minimum(t, 240.0)  # settled long since: no float dust, no overflow
    out = np.exp(-sigma * x) * (np.cos(wd * x) + sigma / wd * np.sin(wd * x))
    return np.where(t < 240.0, out, 0.0)


def available_share(sp, cw_in):
    """[T] one chiller's capacity at the conditions, share of its rating (85 °F CW, 44 °F CHW)."""
    return np.clip(1.0 + GAIN_PER_F_CHW * (sp - 44.0) - DERATE_PER_F_CW * (cw_in - DESIGN_CW_F),
                   0.7, 1.1)


def chilled_water_plant(spec, layout, ts, weather, cooling_btuh, cycling_off, carry,
                        local_day, staging, fx=None, season=None, coil_dt=1.0, occupied=None):
    """Signals of chillers, tower, CHW plant and its pumps; cooling-tower heat rejected.

    Faults (`fx`): a low ΔT (the plant's, or the fouled coils' `coil_dt`) needs more water for
    the same tons, so the plant stages chillers on flow; a tripped CHW or CW pump leaves the
    lead chiller enabled (in the cooling `season`) but tripped, the loop without flow; a
    failed tower fan lets the condenser water warm, and the chillers' kW/ton rises.
    """
    ch = spec.equipment.chillers
    C, cap = ch.count, ch.capacity_tons
    T = len(ts)
    tons = cooling_btuh / 12000.0
    sp = chilled_water_reset(spec.setpoints, weather.oat)
    # Share of the design ΔT the water comes back with: below 1 the coils need more flow,
    # and the plant stages on flow (each chiller passes at most its design flow).
    dt = coil_dt * (1.0 - fx.plant_dt_loss) if fx is not None else coil_dt
    low_dt = np.any(np.asarray(dt) < 1.0)
    stage_tons = tons / dt if low_dt else tons
    forced_off = np.stack([cycling_off.get(k, np.zeros(T, bool)) for k in layout.chillers],
                          axis=1)
    down = np.zeros(T, bool) if fx is None else fx.chw_down()
    forced_off = forced_off | down[:, None]
    # The tower holds condenser water a few degrees above wet bulb, more so when loaded.
    load_share = tons * 1.2 / (C * cap * 1.25)
    cw_in = np.maximum(CW_MIN_F, weather.wet_bulb + 4.0 + 5.0 * load_share)[:, None]
    tower_loss = np.zeros(T) if fx is None else fx.tower_loss
    if tower_loss.any():
        # Natural draft only: the approach grows with the heat the tower must reject.
        extra = tower_loss * (TOWER_NATURAL_DRAFT_F + 15.0 * load_share)
        cw_in = cw_in + extra[:, None]
    avail = available_share(sp, cw_in[:, 0])
    staged, staging["chw"] = stage(stage_tons, cap, C, ts, forced_off, MIN_START, local_day,
                                   CHILLER_TIMERS, staging.get("chw"), occupied=occupied,
                                   available=avail)
    enable, run, share = staged.enable, staged.run, staged.share
    if down.any():
        # No flow: the lead chiller is called for (in season) but its flow switch trips it.
        lead = np.arange(C)[None, :] == ((local_day + 3) // 7 % C)[:, None]
        enable = np.where(down[:, None], lead & season[:, None], enable)
    flow_share = share
    if low_dt:
        share = share * np.asarray(dt)[:, None] if np.ndim(dt) else share * dt
    # A running chiller always sees some heat: its pump's work and the piping's gains.
    share = np.where(run, np.maximum(share, LOOP_GAIN), 0.0)
    # A machine just started soft-loads: it gives only part of its capacity at first.
    soft = np.minimum(1.0, SOFT_LOAD_START + (1.0 - SOFT_LOAD_START) * staged.since
                      / CHILLER_TIMERS.soft_load)
    plr = np.minimum(share, avail[:, None] * soft)
    served = plr * cap
    design_gpm = CHW_GPM_PER_TON * cap
    if low_dt:
        flow = np.where(run, design_gpm * np.clip(flow_share, 0.5, 1.2), 0.0)
    else:
        flow = np.where(run, design_gpm * np.maximum(plr, 0.5), 0.0)
    # Overloaded or missing machines let supply water warm up.
    unmet = np.maximum(tons - served.sum(axis=1), 0.0) / np.maximum(tons, 1.0)
    # Leaving water: pulled down after each start, hunting on some days, warming when unmet.
    pull = CHW_START_F * staged.offset * start_response(staged.since, spec.interval_seconds,
                                                        CHW_ZETA, CHW_OMEGA_PER_MIN)
    hunt = _hunting(spec.seed, [f"{k}.chws" for k in layout.chillers], ts, CHW_HUNT_F,
                    CHW_HUNT_MIN)
    chws = np.where(run, sp[:, None] + pull + hunt + 10.0 * unmet[:, None], sp[:, None])
    chwr = chws + np.where(run, served * 24.0 / np.maximum(flow, 1.0), 0.0)

    design_reject = C * cap * 12000.0 * 1.25
    eir_t = 1.0 + 0.012 * (cw_in - 85.0) - 0.015 * (chws - 44.0)
    firing = np.maximum(plr, MIN_PLR)  # part-load point while actually running
    power = np.where(run, cap * KW_PER_TON / ch.design_cop * eir_t
                     * (0.22 + 0.50 * firing + 0.28 * firing * firing) * (plr / firing), 0.0)
    reject = served * 12000.0 + power * 3412.0
    reject_total = reject.sum(axis=1)
    cw_flow = CW_GPM_PER_TON * cap
    cw_out = cw_in + reject / (500.0 * cw_flow)
    any_run = run.any(axis=1)
    n_run = run.sum(axis=1)
    wb_factor = 1.0 + (weather.wet_bulb - 65.0) / 30.0
    tower_speed = np.where(
        any_run, np.clip(0.2 + 0.9 * reject_total / design_reject * wb_factor, 0.2, 1.0), 0.0)
    # A failing fan (slipping belt to a dead motor) moves less air: the controller, seeing
    # warm condenser water, commands full speed.
    tower_cmd = np.where(any_run & (tower_loss > 0), 1.0, tower_speed)
    tower_air = tower_speed * (1.0 - tower_loss) if tower_loss.any() else tower_speed
    cw_hot = cw_in[:, 0] + reject_total / (500.0 * cw_flow * np.maximum(n_run, 1))

    temps = {"chws": chws, "chwr": chwr, "cw_in": np.broadcast_to(cw_in, run.shape),
             "cw_out": cw_out}
    signals = {"chiller.enable": enable, "chiller.run": run, "chiller.chw_flow": flow,
               "chiller.power": power}
    for name, value in temps.items():
        signals[f"chiller.{name}"], carry[f"chiller.{name}"] = idle.drift(
            run, value, ts, carry.get(f"chiller.{name}", [None] * C))
    plant_flow = flow.sum(axis=1)
    header = {
        "chws": (flow * chws).sum(axis=1) / np.maximum(plant_flow, 1.0),
        "chwr": (flow * chwr).sum(axis=1) / np.maximum(plant_flow, 1.0),
        "cw_cold": cw_in[:, 0],
        "cw_hot": cw_hot,
    }
    for name, value in header.items():
        drifted, carry[f"plant.{name}"] = idle.drift(
            any_run[:, None], value[:, None], ts, carry.get(f"plant.{name}", [None]))
        header[name] = drifted
    signals.update({
        "chw_plant.chw_sp": sp[:, None], "chw_plant.chws": header["chws"],
        "chw_plant.chwr": header["chwr"],
        "cooling_tower.run": (any_run & (tower_loss < 0.98))[:, None],
        "cooling_tower.fan_speed": 100.0 * tower_cmd[:, None],
        "cooling_tower.cw_cold": header["cw_cold"], "cooling_tower.cw_hot": header["cw_hot"],
        "cooling_tower.power": (TOWER_KW_PER_TON * C * cap * tower_air * tower_air
                                 * tower_air)[:, None],
    })
    pump_share = plant_flow / (C * design_gpm)
    pumps = {
        "chw": np.where(any_run, CHW_PUMP_KW_PER_GPM * C * design_gpm
                        * (0.15 + 0.85 * pump_share * pump_share * pump_share), 0.0),
        "cw": CW_PUMP_KW_PER_GPM * cw_flow * n_run,
    }
    if fx is not None:
        for name in ("chw", "cw"):  # a tripped pump draws nothing (the others follow the plant)
            pumps[name] = np.where(fx.pump_down[f"{name}-pump"], 0.0, pumps[name])
    return signals, pumps, reject_total
