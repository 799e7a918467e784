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

from .faults import coil_dt_share, coil_limits
from .indoor_air import enthalpy, humidity_ratio, indoor_air, outdoor_cfm, return_grains
from .zones import AIR, DAT_MAX_F

# Ventilation (ASHRAE 62.1 office): 5 cfm per person + 0.06 cfm/ft²; a share of the supply
# air, which rises as the VAVs throttle back. Before the zone loop, a typical share stands in.
VENT_CFM_PER_PERSON = 5.0
VENT_CFM_PER_FT2 = 0.06
PLANNED_OA = 0.3
COOL_COIL_DT_F = 35.0  # design air-side range of the coils, for valve positions
HEAT_COIL_DT_F = 45.0


INDOOR_DEW_F = 52.0  # return-air dew point the pre-loop plan assumes (enthalpy economizer)


def supply_air_reset(sp, oat):
    """Warmer supply air in cold weather: max at 50 °F outside and below, design at 70 °F."""
    return np.interp(oat, [50.0, 70.0], [sp.supply_air_max_f, sp.supply_air_f])


def ventilation_cfm(spec, layout, people=None):
    """[A] outdoor air each AHU must bring in while occupied (ASHRAE 62.1: an area rate plus a
    rate per person). With demand-controlled ventilation and `people` ([T, Z] occupants) the
    people part follows who is there; else the design occupancy. Returns [A] or [T, A]."""
    zones = np.bincount([z.ahu for z in layout.zones], minlength=len(layout.ahus))
    area_z = spec.site.area_ft2 / len(layout.zones)
    design_people = spec.schedule.people_per_1000_ft2 / 1000 * area_z
    if people is None or not spec.equipment.demand_controlled_ventilation:
        return (VENT_CFM_PER_FT2 * area_z + VENT_CFM_PER_PERSON * design_people) * zones
    starts = np.array(layout.zone_ahu_starts)
    return VENT_CFM_PER_FT2 * area_z * zones + VENT_CFM_PER_PERSON * np.add.reduceat(
        people, starts, axis=1)


def economizer(spec, oat_seen, rat, sat_sp, minimum, fan_rise=1.0, h_out=None, h_ret=None):
    """Outside-air share: enough free cooling to bring mixed air (plus fan heat) to the supply
    setpoint, else the ventilation minimum. Aiming a hair warm means economizing never needs
    the heating coil. High limit: dry bulb (outside below the limit and the return air), or
    enthalpy (outside enthalpy below the limit and the return air's, and cooler than return)."""
    target = sat_sp - fan_rise + 0.1
    share = (rat - target) / np.maximum(rat - oat_seen, 0.5)
    if spec.equipment.economizer_control == "enthalpy" and h_out is not None:
        allowed = (h_out < np.minimum(spec.setpoints.economizer_high_limit_btu_lb, h_ret)) & (
            oat_seen < rat)
    else:
        allowed = oat_seen < np.minimum(spec.setpoints.economizer_high_limit_f, rat)
    return np.where(allowed, np.clip(share, minimum, 1.0), minimum)


def supply_air_plan(spec, weather, fx, chw_ok, hw_ok):
    """[T, A] supply-air temperature each AHU delivers in occupied mode."""
    sp = spec.setpoints
    sat_sp = supply_air_reset(sp, weather.oat)[:, None]
    rat = (sp.occupied_cooling_f + sp.occupied_heating_f) / 2.0 + 1.0
    oat_seen = weather.oat[:, None] + fx.oat_bias
    h_out = enthalpy(oat_seen, humidity_ratio(weather.dew_point)[:, None])
    h_ret = enthalpy(rat, humidity_ratio(INDOOR_DEW_F))
    oa = economizer(spec, oat_seen, rat, sat_sp, PLANNED_OA, h_out=h_out, h_ret=h_ret)
    oa = np.where(fx.econ_stuck, fx.econ_position, oa)
    leaving_fan = oa * weather.oat[:, None] + (1.0 - oa) * rat + 1.0
    sat = sat_sp - fx.sat_bias  # the loop drives the (biased) reading onto the setpoint
    sat = np.where(chw_ok[:, None], sat, np.maximum(sat, leaving_fan))
    sat = np.where(hw_ok[:, None], sat, np.minimum(sat, leaving_fan))
    leaking = (fx.leak_f > 0) & chw_ok[:, None]
    sat = np.where(leaking, np.minimum(sat, leaving_fan - fx.leak_f), sat)
    return coil_limits(sat, leaving_fan, fx, chw_ok, hw_ok)  # fouled coil, leaking heating


@dataclass
class AirLoads:
    cooling: np.ndarray  # [T] Btu/h on the chilled-water coils
    heating: np.ndarray  # [T] Btu/h on hot water: AHU heating coils and VAV reheat
    end_co2: np.ndarray  # [A] return-air CO₂ at the window's end (carried in the state)
    chw_dt: np.ndarray | float = 1.0  # [T] coils' CHW ΔT, share of design (fouling lowers it)


def air_handlers(spec, layout, weather, occ_mode, zres, fx, chw_ok, hw_ok, occ, cfm_max,
                 co2_start):
    """Signals of every AHU and VAV (dict "ahu.<name>"/"vav.<name>" -> [T, n]) and coil loads."""
    lighting = occ.lighting
    area_z = spec.site.area_ft2 / len(layout.zones)
    people = occ.zone_people * (spec.schedule.people_per_1000_ft2 / 1000 * area_z)
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
    minimum = np.minimum(ventilation_cfm(spec, layout, people) / np.maximum(flow, 1.0), 1.0)
    w_out = humidity_ratio(weather.dew_point)[:, None]
    latent_people = 200.0 * np.add.reduceat(people, starts, axis=1)
    # What the enthalpy high limit compares: outside air, and return air at the minimum
    # outdoor-air share (the controller decides before the damper moves).
    area_a = spec.site.area_ft2 / len(layout.zones) * per_ahu
    seen_ret = return_grains(w_out, latent_people, flow, outdoor_cfm(flow, minimum, area_a),
                             humidity_ratio(np.minimum(sat_sp, rat)))
    economizing = economizer(spec, oat + fx.oat_bias, rat, sat_sp - fx.sat_bias, minimum, rise,
                             h_out=enthalpy(oat + fx.oat_bias, w_out),
                             h_ret=enthalpy(rat, seen_ret))
    oa_cmd = np.where(on & occ_mode, economizing, 0.0)
    oa = np.where(fx.econ_stuck, fx.econ_position, oa_cmd)
    leak_share = 0.15 + 0.35 * oa  # a closed unit still breathes; a stuck-open one more so
    mat = np.where(on, oa * oat + (1.0 - oa) * rat, (1.0 - leak_share) * rat + leak_share * oat)
    sat = np.where(on, zres.sat, mat)
    hleak = np.where(on & hw_ok[:, None], fx.heat_leak_f, 0.0)  # a leaking heating coil
    sensible = np.where(on & chw_ok[:, None],
                        AIR * flow * np.maximum(mat + rise + hleak - sat, 0.0), 0.0)
    # A cooling coil that is cooling condenses down to saturation at its leaving temperature.
    coil = np.where(sensible > 0.0, humidity_ratio(sat - rise), np.inf)
    moving = on & ~fx.fan_failed  # a failed fan moves no air, whatever its command
    air = indoor_air(spec, layout, spec.interval_seconds, weather.dew_point, people, moving,
                     zres.flow, flow, np.where(moving, oa, 0.0), zres.temp, coil, co2_start)
    cooling = sensible + np.where(sensible > 0.0, air.latent, 0.0)
    heat_cmd = np.where(on & hw_ok[:, None], AIR * flow * np.maximum(sat - mat - rise, 0.0), 0.0)
    heating = np.maximum(heat_cmd, AIR * flow * hleak)  # what the hot water gives the air
    leak = np.where(on & chw_ok[:, None], AIR * flow * fx.leak_f, 0.0)

    z_ahu = np.array([z.ahu for z in layout.zones])
    min_cfm = spec.equipment.vav_min_fraction * cfm_max
    reheat_cap = AIR * min_cfm * (DAT_MAX_F - sp.supply_air_f)
    reheat_rise = zres.reheat / (AIR * np.maximum(zres.flow, 1.0))
    dat = np.where(zres.flow > 0.0, zres.sat[:, z_ahu] + reheat_rise, zres.temp)
    signals = {
        "ahu.fan_cmd": zres.fan_cmd, "ahu.fan_run": on, "ahu.fan_speed": 100.0 * speed,
        "ahu.power": np.where(on, design * spec.equipment.fan_w_per_cfm / 1000.0
                              * (0.04 + 0.96 * speed * speed * speed), 0.0),
        "ahu.sat": sat, "ahu.sat_sp": np.where(warm, sp.warmup_supply_air_f, sat_sp),
        "ahu.mat": mat, "ahu.rat": rat, "ahu.oat": np.broadcast_to(oat, mat.shape),
        "ahu.oa_damper": 100.0 * oa_cmd,
        "ahu.cooling_valve": 100.0 * np.clip((cooling - leak) / (
            AIR * design * COOL_COIL_DT_F * (1.0 - fx.coil_fouling)), 0.0, 1.0),
        "ahu.heating_valve": 100.0 * np.clip(heat_cmd / (AIR * design * HEAT_COIL_DT_F), 0.0,
                                             1.0),
        "ahu.static": np.where(on, sp.duct_static_inh2o * (0.95 + 0.1 * (1.0 - speed))
                               * zres.static_ratio, 0.0),
        "ahu.static_sp": np.full(mat.shape, sp.duct_static_inh2o),
        "ahu.flow": flow,
        # The flow sensor's reading, the box's damper command and where the damper really is
        # (it lags the command; a stuck one stays where it stuck, fan on or off).
        "vav.zone_temp": zres.temp, "vav.flow": zres.flow_reading,
        "vav.damper": 100.0 * zres.damper,
        "vav.damper_fb": np.where(fx.damper_stuck, 100.0 * fx.damper_position,
                                  100.0 * zres.position),
        "vav.reheat": 100.0 * np.clip(zres.reheat_cmd / reheat_cap, 0.0, 1.0),
        "vav.dat": dat,
        "vav.co2": air.zone_co2, "vav.rh": air.zone_rh,
        "ahu.oa_h": np.broadcast_to(enthalpy(oat, w_out), mat.shape),
        "ahu.ra_h": enthalpy(rat, air.return_grains),
        "ahu.ma_h": enthalpy(mat, air.mixed_grains),
    }
    loads = AirLoads(chw_dt=coil_dt_share(cooling, fx), cooling=cooling.sum(axis=1),
                     heating=heating.sum(axis=1) + zres.reheat.sum(axis=1), end_co2=air.end_co2)
    return signals, loads
