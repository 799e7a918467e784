"""The hot-water plant: gas boilers staged on the heating load, a variable-speed HW pump.

Every Btu the coils and reheat boxes take, plus distribution losses while the plant runs, is
burnt as natural gas: gas flow (cfh) = output / (efficiency × heating value), never negative.
"""

import numpy as np

from . import idle
from .controls import _hunting
from .plant import start_response
from .staging import BOILER_TIMERS, stage

GAS_BTU_PER_FT3 = 1030.0
DESIGN_DT_F = 20.0
MIN_LOAD = 0.0  # any heating load starts the plant (the zones get the heat they ask for)
LOSS_SHARE = 0.015  # piping losses while the loop is hot, share of plant capacity
HW_PUMP_KW_PER_GPM = 0.016
# Supply water after a start: fired up from up to HW_START_F below setpoint (a cold loop),
# (ζ 0.55: ~13 % overshoot), hunting some 3-day blocks.
HW_START_F, HW_ZETA, HW_OMEGA_PER_MIN = 16.0, 0.55, 0.1
HW_HUNT_F, HW_HUNT_MIN = (0.5, 2.0), (10.0, 25.0)


def hot_water_reset(sp, oat):
    """Hotter water in colder weather: design temperature at 10 °F outside, minimum at 60 °F."""
    return np.interp(oat, [10.0, 60.0], [sp.hot_water_f, sp.hot_water_min_f])


def hot_water_plant(spec, layout, ts, weather, heating_btuh, hw_ok, cycling_off, carry,
                    local_day, staging, fx=None, season=None):
    """Signals of the boilers and HW plant, and the HW pump's power.

    Every Btu the coils and boxes take is served by a boiler: the plant starts for any
    heating load at once (no start delay: reheat and warm-up air cannot wait for it), so the
    gas burnt matches the heat delivered; only a machine's minimum rest and anti-recycle
    time can leave an interval to the loop's still-hot water. A tripped HW pump (`fx`)
    leaves the lead boiler enabled in the heating `season` but tripped on its flow switch.
    """
    b = spec.equipment.boilers
    B, cap = b.count, b.capacity_kbtuh * 1000.0
    loop_hot = hw_ok & (heating_btuh > MIN_LOAD * cap)
    load = heating_btuh + np.where(loop_hot, LOSS_SHARE * B * cap, 0.0)
    forced_off = np.stack([cycling_off.get(k, np.zeros(len(ts), bool)) for k in layout.boilers],
                          axis=1)
    down = np.zeros(len(ts), bool) if fx is None else fx.pump_down["hw-pump"]
    forced_off = forced_off | down[:, None]
    staged, staging["hw"] = stage(load, cap, B, ts, forced_off, MIN_LOAD, local_day,
                                  BOILER_TIMERS, staging.get("hw"))
    enable, run, share = staged.enable, staged.run, staged.share
    if down.any():
        lead = np.arange(B)[None, :] == ((local_day + 3) // 7 % B)[:, None]
        enable = np.where(down[:, None], lead & season[:, None], enable)
    # A running boiler always makes up its share of the loop's piping losses.
    share = np.where(run, np.maximum(share, LOSS_SHARE), 0.0)
    plr = np.minimum(share, 1.0)
    output = plr * cap
    efficiency = b.efficiency * (0.97 + 0.03 * plr)
    gas = np.where(run, output / (efficiency * GAS_BTU_PER_FT3), 0.0)
    design_gpm = cap / (500.0 * DESIGN_DT_F)
    flow = np.where(run, design_gpm * np.maximum(plr, 0.3), 0.0)
    sp = hot_water_reset(spec.setpoints, weather.oat)
    unmet = np.maximum(load - output.sum(axis=1), 0.0) / np.maximum(load, 1.0)
    rise = HW_START_F * staged.offset * start_response(staged.since, spec.interval_seconds,
                                                      HW_ZETA, HW_OMEGA_PER_MIN)
    hunt = _hunting(spec.seed, [f"{k}.hws" for k in layout.boilers], ts, HW_HUNT_F, HW_HUNT_MIN)
    hws = np.where(run, sp[:, None] - rise + hunt - 15.0 * unmet[:, None], sp[:, None])
    hwr = hws - np.where(run, output / (500.0 * np.maximum(flow, 1.0)), 0.0)

    signals = {"boiler.enable": enable, "boiler.run": run, "boiler.hw_flow": flow,
               "boiler.gas_flow": gas}
    for name, value in (("hws", hws), ("hwr", hwr)):
        signals[f"boiler.{name}"], carry[f"boiler.{name}"] = idle.drift(
            run, value, ts, carry.get(f"boiler.{name}", [None] * B))
    plant_flow = flow.sum(axis=1)
    any_run = run.any(axis=1)
    header = {
        "hws": (flow * hws).sum(axis=1) / np.maximum(plant_flow, 1.0),
        "hwr": (flow * hwr).sum(axis=1) / np.maximum(plant_flow, 1.0),
    }
    for name, value in header.items():
        drifted, carry[f"hw_plant.{name}"] = idle.drift(
            any_run[:, None], value[:, None], ts, carry.get(f"hw_plant.{name}", [None]))
        signals[f"hw_plant.{name}"] = drifted
    signals["hw_plant.hw_sp"] = sp[:, None]
    pump_share = plant_flow / (B * design_gpm)
    pump = np.where(any_run, HW_PUMP_KW_PER_GPM * B * design_gpm
                    * (0.15 + 0.85 * pump_share * pump_share * pump_share), 0.0)
    pump = np.where(down, 0.0, pump)
    return signals, pump
