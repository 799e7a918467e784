"""Air handlers and VAV boxes: supply-air plan before the zone loop, readings and coil loads
after it.

Before the loop each AHU's occupied supply-air temperature is fixed from its reset schedule
and what its coils can do (no chilled water below the chiller lockout, no hot water above the
boiler lockout, a leaking valve overcooling, a biased discharge sensor). After the loop the
return air is the flow-weighted zone air, the economizer mixes it with outside air, and the
coil loads follow from mixed air, fan heat and supply air: they are what the plants see.
"""

from dataclasses import dataclass

import numpy as np

from .zones import AIR, DAT_MAX_F

# Ventilation (ASHRAE 62.1 office): 5 cfm per person + 0.06 cfm/ft²; a share of the supply
# air, which rises as the VAVs throttle back. Before the zone loop, a typical share stands in.
VENT_CFM_PER_PERSON = 5.0
VENT_CFM_PER_FT2 = 0.06
PLANNED_OA = 0.3
COOL_COIL_DT_F = 35.0  # design air-side range of the coils, for valve positions
HEAT_COIL_DT_F = 45.0
LATENT = 0.68  # Btu/h per cfm per grain/lb


def humidity_ratio(temp_f):
    """Grains of water per lb of dry air for saturated air at temp_f (a dew point)."""
    c = (temp_f - 32.0) / 1.8
    pv = 0.61094 * np.exp(17.625 * c / (c + 243.04))
    return 7000.0 * 0.622 * pv / (101.325 - pv)


def supply_air_reset(sp, oat):
    """Warmer supply air in cold weather: max at 50 °F outside and below, design at 70 °F."""
    return np.interp(oat, [50.0, 70.0], [sp.supply_air_max_f, sp.supply_air_f])


def ventilation_cfm(spec, layout):
    """[A] outdoor air each AHU must bring in while occupied."""
    per_ft2 = VENT_CFM_PER_FT2 + VENT_CFM_PER_PERSON * spec.schedule.people_per_1000_ft2 / 1000
    zones = np.bincount([z.ahu for z in layout.zones], minlength=len(layout.ahus))
    return per_ft2 * spec.site.area_ft2 / len(layout.zones) * zones


def economizer(spec, oat_seen, rat, sat_sp, minimum, fan_rise=1.0):
    """Outside-air share: enough free cooling to bring mixed air (plus fan heat) to the supply
    setpoint, else the ventilation minimum. Aiming a hair warm means economizing never needs
    the heating coil."""
    target = sat_sp - fan_rise + 0.1
    limit = np.minimum(spec.setpoints.economizer_high_limit_f, rat)
    share = (rat - target) / np.maximum(rat - oat_seen, 0.5)
    return np.where(oat_seen < limit, np.clip(share, minimum, 1.0), minimum)


def supply_air_plan(spec, weather, fx, chw_ok, hw_ok):
    """[T, A] supply-air temperature each AHU delivers in occupied mode."""
    sp = spec.setpoints
    sat_sp = supply_air_reset(sp, weather.oat)[:, None]
    rat = (sp.occupied_cooling_f + sp.occupied_heating_f) / 2.0 + 1.0
    oa = economizer(spec, weather.oat[:, None] + fx.oat_bias, rat, sat_sp, PLANNED_OA)
    oa = np.where(fx.econ_stuck, fx.econ_position, oa)
    leaving_fan = oa * weather.oat[:, None] + (1.0 - oa) * rat + 1.0
    sat = sat_sp - fx.sat_bias  # the loop drives the (biased) reading onto the setpoint
    sat = np.where(chw_ok[:, None], sat, np.maximum(sat, leaving_fan))
    sat = np.where(hw_ok[:, None], sat, np.minimum(sat, leaving_fan))
    leaking = (fx.leak_f > 0) & chw_ok[:, None]
    return np.where(leaking, np.minimum(sat, leaving_fan - fx.leak_f), sat)


@dataclass
class AirLoads:
    cooling: np.ndarray  # [T] Btu/h on the chilled-water coils
    heating: np.ndarray  # [T] Btu/h on hot water: AHU heating coils and VAV reheat


def air_handlers(spec, layout, weather, occ_mode, zres, fx, chw_ok, hw_ok, lighting, cfm_max):
    """Signals of every AHU and VAV (dict "ahu.<name>"/"vav.<name>" -> [T, n]) and coil loads."""
    sp = spec.setpoints
    starts = np.array(layout.zone_ahu_starts)
    per_ahu = np.diff(np.append(starts, len(layout.zones)))
    oat = weather.oat[:, None]
    on, warm = zres.ahu_on, zres.warmup
    flow = np.add.reduceat(zres.flow, starts, axis=1)
    mean_temp = np.add.reduceat(zres.temp, starts, axis=1) / per_ahu
    mixed_return = np.add.reduceat(zres.flow * zres.temp, starts, axis=1) / np.maximum(flow, 1.0)
    rat = np.where(flow > 1.0, mixed_return, mean_temp) + 1.5 * lighting[:, None]  # plenum
    design = 0.9 * np.add.reduceat(cfm_max, starts)
    speed = np.where(on, np.clip(flow / design, 0.25, 1.0), 0.0)
    sat_sp = supply_air_reset(sp, weather.oat)[:, None]
    rise = 0.5 + 1.5 * speed * speed
    minimum = np.minimum(ventilation_cfm(spec, layout) / np.maximum(flow, 1.0), 1.0)
    economizing = economizer(spec, oat + fx.oat_bias, rat, sat_sp - fx.sat_bias, minimum, rise)
    oa_cmd = np.where(on & occ_mode, economizing, 0.0)
    oa = np.where(fx.econ_stuck, fx.econ_position, oa_cmd)
    leak_share = 0.15 + 0.35 * oa  # a closed unit still breathes; a stuck-open one more so
    mat = np.where(on, oa * oat + (1.0 - oa) * rat, (1.0 - leak_share) * rat + leak_share * oat)
    sat = np.where(on, zres.sat, mat)
    sensible = np.where(on & chw_ok[:, None], AIR * flow * np.maximum(mat + rise - sat, 0.0), 0.0)
    moisture = np.maximum(humidity_ratio(weather.dew_point)[:, None]
                          - humidity_ratio(np.minimum(sat, 60.0)), 0.0)
    cooling = sensible + np.where(sensible > 0.0, LATENT * flow * oa * moisture, 0.0)
    heating = np.where(on & hw_ok[:, None], AIR * flow * np.maximum(sat - mat - rise, 0.0), 0.0)
    leak = np.where(on & chw_ok[:, None], AIR * flow * fx.leak_f, 0.0)

    z_ahu = np.array([z.ahu for z in layout.zones])
    on_z = on[:, z_ahu]
    min_cfm = spec.equipment.vav_min_fraction * cfm_max
    reheat_cap = AIR * min_cfm * (DAT_MAX_F - sp.supply_air_f)
    reheat_rise = zres.reheat / (AIR * np.maximum(zres.flow, 1.0))
    dat = np.where(zres.flow > 0.0, zres.sat[:, z_ahu] + reheat_rise, zres.temp)
    signals = {
        "ahu.fan_cmd": on, "ahu.fan_run": on, "ahu.fan_speed": 100.0 * speed,
        "ahu.power": np.where(on, design * spec.equipment.fan_w_per_cfm / 1000.0
                              * (0.04 + 0.96 * speed * speed * speed), 0.0),
        "ahu.sat": sat, "ahu.sat_sp": np.where(warm, sp.warmup_supply_air_f, sat_sp),
        "ahu.mat": mat, "ahu.rat": rat, "ahu.oat": np.broadcast_to(oat, mat.shape),
        "ahu.oa_damper": 100.0 * oa_cmd,
        "ahu.cooling_valve": 100.0 * np.clip((cooling - leak) / (AIR * design * COOL_COIL_DT_F),
                                             0.0, 1.0),
        "ahu.heating_valve": 100.0 * np.clip(heating / (AIR * design * HEAT_COIL_DT_F), 0.0, 1.0),
        "ahu.static": np.where(on, sp.duct_static_inh2o * (0.95 + 0.1 * (1.0 - speed)), 0.0),
        "ahu.static_sp": np.full(mat.shape, sp.duct_static_inh2o),
        "ahu.flow": flow,
        "vav.zone_temp": zres.temp, "vav.flow": zres.flow,
        "vav.damper": np.where(on_z, 100.0 * zres.flow_cmd / cfm_max, 0.0),
        "vav.reheat": 100.0 * np.clip(zres.reheat / reheat_cap, 0.0, 1.0),
        "vav.dat": dat,
    }
    loads = AirLoads(cooling=cooling.sum(axis=1),
                     heating=heating.sum(axis=1) + zres.reheat.sum(axis=1))
    return signals, loads
