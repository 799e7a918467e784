"""One window of building physics: weather and occupancy in, every point's true value out.

Order: exogenous drivers (weather, local clock, occupancy, faults, setpoints; functions of
absolute time only) -> the zone loop (the only recurrence) -> air handlers -> plants ->
meters. Returns signals named "<equipment type>.<signal>", each [T, n].
"""

from functools import lru_cache

import numpy as np

from . import controls as control_dynamics
from . import rng
from .airside import air_handlers, supply_air_plan
from .boilers import hot_water_plant
from .clock import local_clock
from .faults import air_faults, effects, meter_faults, shifted_setpoints, zone_faults
from .loads import zone_loads
from .meters import meters
from .occupancy import occupancy
from .plant import chilled_water_plant
from .quality import drift
from .weather import weather
from .zones import ZoneInputs, simulate

DROOP_F = 0.3  # proportional control sits a little on the load side of its setpoint
WANDER_F = 0.3
SEASON_F = 6.0  # seasonal changeover margin around the lockout temperatures


def _wander(spec, layout, ts):
    """[T, Z] smooth zone-specific control wander in -1..1 (hours-long periods)."""
    hours = ts[:, None] / 3600.0
    phases = _wander_phases(spec.seed, tuple(z.key for z in layout.zones))
    return 0.6 * np.sin(2 * np.pi * hours / 2.7 + phases[0]) + 0.4 * np.sin(
        2 * np.pi * hours / 6.1 + phases[1])


@lru_cache(maxsize=256)
def _wander_phases(seed, zone_keys):
    """[2, Z] phases of the zones' wander (memoised, read-only)."""
    phases = np.stack([2 * np.pi * rng.scalar_uniforms(seed, rng.WANDER, k, 2)
                       for k in zone_keys], axis=1)
    phases.flags.writeable = False
    return phases


def run(model, ts, state_temps, carry, co2_start=None, staging=None, controls=None):
    spec, layout = model.spec, model.layout
    sp = spec.setpoints
    w = weather(spec, ts)
    lc = local_clock(ts, spec.site.time_zone, spec.schedule.holidays)
    occ = occupancy(spec, layout, lc, ts)
    staging = {} if staging is None else staging
    fx = effects(spec, layout, ts)
    # A drifting sensor that feeds a control loop misleads it just like a biased one: the
    # reading stays on setpoint and the real temperature moves.
    fx.zone_bias += drift(model.quality, ts, model.control_sensors["zone"])
    fx.sat_bias += drift(model.quality, ts, model.control_sensors["sat"])
    fx.oat_bias += drift(model.quality, ts, model.control_sensors["oat"])
    # Lockouts on the day's weather, plus a seasonal changeover: no chillers in winter
    # (however warm the day), no boilers in high summer.
    chw_ok = (w.oat_daily > sp.chiller_lockout_f) & (w.normal > sp.chiller_lockout_f - SEASON_F)
    hw_ok = (w.oat_daily < sp.boiler_lockout_f) & (w.normal < sp.boiler_lockout_f + SEASON_F)
    # A tripped pump leaves the coils without water; the plants keep the lockouts' season.
    chw_season, hw_season = chw_ok, hw_ok
    chw_ok, hw_ok = chw_ok & ~fx.chw_down(), hw_ok & ~fx.pump_down["hw-pump"]
    loads = zone_loads(spec, layout, w, occ)

    occ_mode = occ.hvac_occupied[:, None] | fx.override  # [T, A]
    occ_mode = np.where(fx.schedule_set, fx.schedule_on, occ_mode)  # misconfigured schedules
    occ_zone = occ_mode[:, model.zone_ahu]
    cool_sp = np.where(occ_zone, sp.occupied_cooling_f, sp.unoccupied_cooling_f)
    heat_sp = np.where(occ_zone, sp.occupied_heating_f, sp.unoccupied_heating_f)
    cool_sp, heat_sp = shifted_setpoints(fx, occ_zone, cool_sp, heat_sp)  # misconfigured
    wander = WANDER_F * _wander(spec, layout, ts)
    # Controllers act on the (possibly biased) sensor: a sensor reading high cools the zone.
    cool_target = cool_sp + DROOP_F + wander - fx.zone_bias
    heat_target = heat_sp - DROOP_F + wander - fx.zone_bias

    step_h = spec.interval_seconds / 3600.0
    conductance = loads.ua + loads.ui
    a = np.exp(-conductance * step_h / loads.capacitance)
    inputs = ZoneInputs(
        a=a, g=(1.0 - a) / conductance, free1a=loads.t_free * ((1.0 - a) * loads.ua / conductance),
        couple=(1.0 - a) * loads.ui / conductance, per_floor=len(layout.orientations),
        cool_sp=cool_target, heat_sp=heat_target, occupied=occ_mode,
        sat=supply_air_plan(spec, w, fx, chw_ok, hw_ok), warmup_sat=sp.warmup_supply_air_f,
        hot_water=hw_ok, cfm_max=model.cfm_max, min_fraction=spec.equipment.vav_min_fraction,
        stuck=fx.damper_stuck, stuck_cfm=fx.damper_position * model.cfm_max,
        zone_ahu=model.zone_ahu, ahu_starts=np.array(layout.zone_ahu_starts),
        cool_occ=sp.occupied_cooling_f + DROOP_F + wander - fx.zone_bias,
        heat_occ=sp.occupied_heating_f - DROOP_F + wander - fx.zone_bias,
        stuck_position=fx.damper_position,
        dyn=control_dynamics.plan(spec, layout, ts, lc, model.cfm_max),
    )
    # Supply-air loops hunt some days too (only where the cooling coil surely has control).
    inputs.sat = inputs.sat + control_dynamics.sat_hunting(spec, layout, ts, w.oat, chw_ok)
    zone_faults(inputs, fx, model.zone_ahu)  # failed fans, misconfigured setpoints
    # A zone with no carried temperature (a cold start, or a zone a spec change added)
    # starts settled between its setpoints; the others keep their thermal state.
    settled = np.clip(loads.t_free[0], heat_target[0], cool_target[0])
    state_temps = settled if state_temps is None else np.where(
        np.isnan(state_temps), settled, state_temps)
    # Control dynamics (damper positions, loop transients, fan timers) carry over in the
    # state's "controls" dict, updated in place like the staging timers.
    controls = {} if controls is None else controls
    zone_keys, step = [z.key for z in layout.zones], spec.interval_seconds
    zres = simulate(inputs, state_temps, control_dynamics.load(controls, zone_keys, layout.ahus,
                                                               step))
    controls.clear()
    controls.update(control_dynamics.store(zres.end_controls, zone_keys, layout.ahus, step))

    if co2_start is None:
        co2_start = np.full(len(layout.ahus), np.nan)
    signals, air = air_handlers(spec, layout, w, occ_mode, zres, fx, chw_ok, hw_ok, occ,
                                model.cfm_max, co2_start)
    air_faults(signals, fx, chw_ok)
    plant, pumps, reject = chilled_water_plant(spec, layout, ts, w, air.cooling,
                                               fx.cycling_off, carry, lc.day, staging,
                                               fx=fx, season=chw_season, coil_dt=air.chw_dt,
                                               occupied=occ_mode.any(axis=1))
    boilers, pumps["hw"] = hot_water_plant(spec, layout, ts, w, air.heating, hw_ok,
                                           fx.cycling_off, carry, lc.day, staging,
                                           fx=fx, season=hw_season)
    signals.update(plant)
    signals.update(boilers)
    signals.update({
        "vav.cool_sp": cool_sp, "vav.heat_sp": heat_sp, "vav.occupied": occ.zone_occupied,
        "weather.oat": w.oat[:, None], "weather.humidity": w.humidity[:, None],
        "weather.dew_point": w.dew_point[:, None], "weather.wet_bulb": w.wet_bulb[:, None],
        "weather.ghi": w.ghi[:, None], "weather.wind": w.wind[:, None],
        "weather.pressure": w.pressure[:, None],
    })
    meters(spec, occ, signals, pumps, reject)
    meter_faults(spec, signals, fx, model.catalogue, carry, ts)
    return signals, zres.end_temp, fx, air.end_co2
