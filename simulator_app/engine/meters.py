"""Utility meters as the sums of what they serve.

Main electric = chillers + AHU fans + cooling tower + pumps + the lighting, plug, elevator and
kitchen submeters; gas = the boilers + the kitchen gas submeter; water = domestic use
(loads.living_loads) + cooling-tower makeup (evaporation and blowdown of the heat the tower
rejects). Pumps are loads too, with their own run and power points.
"""

import numpy as np

from .loads import living_loads

GAL_PER_BTU_EVAPORATED = 1.0 / (1000.0 * 8.33)  # ~1000 Btu/lb latent heat, 8.33 lb/gal
CYCLES_OF_CONCENTRATION = 4.0


def meters(spec, occupancy, signals, pumps, reject_btuh):
    """Adds pump, submeter and meter signals to `signals` (in place) and returns it."""
    eq, area = spec.equipment, spec.site.area_ft2
    pump_power = np.stack([pumps["chw"], pumps["cw"], pumps["hw"]], axis=1)
    signals["pump.power"] = pump_power
    signals["pump.run"] = pump_power > 0.0
    lighting = eq.lighting_w_per_ft2 * area / 1000.0 * occupancy.lighting
    plugs = (eq.plug_w_per_ft2 * occupancy.plugs + eq.base_load_w_per_ft2) * area / 1000.0
    living = living_loads(spec, occupancy)  # elevators, the kitchen, domestic water
    signals["elec_submeter.power"] = np.stack([lighting, plugs, *living.elec], axis=1)

    loads = [signals["chiller.power"], signals["ahu.power"], signals["cooling_tower.power"],
             pump_power, signals["elec_submeter.power"]]
    total = np.zeros(len(lighting))
    for load in loads:  # column by column, in a fixed order
        for j in range(load.shape[1]):
            total = total + load[:, j]
    signals["elec_meter.power"] = total[:, None]
    peak = 6.0 * area / 1000.0  # kW: a generous 6 W/ft² design peak
    signals["elec_meter.pf"] = np.clip(0.84 + 0.1 * total / peak, 0.8, 0.96)[:, None]

    gas = np.zeros(len(lighting))
    for j in range(signals["boiler.gas_flow"].shape[1]):
        gas = gas + signals["boiler.gas_flow"][:, j]
    gas = gas + living.gas
    signals["gas_submeter.flow"] = living.gas[:, None]
    signals["gas_meter.flow"] = gas[:, None]

    domestic = living.water
    makeup = reject_btuh * GAL_PER_BTU_EVAPORATED / 60.0 * (
        CYCLES_OF_CONCENTRATION / (CYCLES_OF_CONCENTRATION - 1.0))
    signals["water_meter.flow"] = (domestic + makeup)[:, None]
    return signals
