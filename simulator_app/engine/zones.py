"""Zone thermal mass and VAV control: the one recurrence of the model, stepped in time.

Each zone is a single thermal node exchanging heat with outdoors (through its envelope, with
its gains folded into T_free) and with the other zones of its floor (open plan),
C dT/dt = UA (T_free - T) + UI (T_floor - T) + Q_hvac, solved exactly over a step for the HVAC
heat and floor temperature at its start, so any interval length is stable. The VAV picks the
airflow (and reheat) that lands the zone on its setpoint at the end of the step, within its
limits; an AHU runs when its schedule says occupied or,
unoccupied, when a zone drifts outside the setback band (night cycle, warm air for heating);
a night cycle drives its zones a differential past the setback, so it runs in short bursts.

The loop body is whole-array numpy over zones; every step does the same operations on arrays
of the same shape, so the result does not depend on where a window was split.
"""

from dataclasses import dataclass

import numpy as np

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
    occupied: np.ndarray  # [T, A] bool: AHU in occupied mode
    sat: np.ndarray  # [T, A] °F supply air in occupied mode
    warmup_sat: float  # °F supply air in unoccupied heating
    hot_water: np.ndarray  # [T] bool: reheat available
    cfm_max: np.ndarray  # [Z]
    min_fraction: float  # occupied minimum airflow share
    stuck: np.ndarray  # [T, Z] bool: damper stuck
    stuck_cfm: np.ndarray  # [Z] airflow through a stuck damper with the fan on
    zone_ahu: np.ndarray  # [Z] AHU index of each zone
    ahu_starts: np.ndarray  # [A] first zone of each AHU


@dataclass
class ZoneResult:
    temp: np.ndarray  # [T, Z] °F at each timestamp
    flow: np.ndarray  # [T, Z] cfm delivered
    flow_cmd: np.ndarray  # [T, Z] cfm the controller asks for
    reheat: np.ndarray  # [T, Z] Btu/h reheat
    ahu_on: np.ndarray  # [T, A] bool
    warmup: np.ndarray  # [T, A] bool: unoccupied heating with warm supply air
    sat: np.ndarray  # [T, A] °F supply air used
    end_temp: np.ndarray  # [Z] °F at the end of the window (carried in state)


def simulate(x, temp0):
    T, Z = x.free1a.shape
    A = len(x.ahu_starts)
    out = ZoneResult(
        temp=np.empty((T, Z)), flow=np.empty((T, Z)), flow_cmd=np.empty((T, Z)),
        reheat=np.empty((T, Z)), ahu_on=np.empty((T, A), bool), warmup=np.empty((T, A), bool),
        sat=np.empty((T, A)), end_temp=None,
    )
    # Everything that does not depend on the zone temperatures is laid out before the loop,
    # so each step is a handful of ufunc calls on [Z] arrays (the loop runs 35,040 times a
    # year at 15 minutes).
    a, g, cfm_max, zone_ahu, starts = x.a, x.g, x.cfm_max, x.zone_ahu, x.ahu_starts
    inv_g, air_g = 1.0 / g, AIR * g
    floors = Z // x.per_floor
    floor_of = np.arange(Z) // x.per_floor
    couple = x.couple / x.per_floor
    occupied = x.occupied
    occ_z = occupied[:, zone_ahu]
    base_flow = occ_z * (x.min_fraction * cfm_max)
    overshoot = np.where(occ_z, 0.0, NIGHT_DIFFERENTIAL_F)
    cool_to, heat_to = x.cool_sp - overshoot, x.heat_sp + overshoot
    sat_occ = x.sat[:, zone_ahu]
    any_stuck = bool(x.stuck.any())
    temp = np.array(temp0, dtype=np.float64)
    for k in range(T):
        floor_sum = np.add.reduce(temp.reshape(floors, x.per_floor), axis=1)
        free = temp * a + x.free1a[k] + couple * floor_sum[floor_of]
        cold = np.logical_or.reduceat(free < x.heat_sp[k], starts)
        hot = np.logical_or.reduceat(free > x.cool_sp[k], starts)
        occ = occupied[k]
        warm = cold > occ  # unoccupied and some zone too cold: warm-up air
        on = occ | cold | hot
        warm_z, on_z = warm[zone_ahu], on[zone_ahu]
        sat_z = np.where(warm_z, x.warmup_sat, sat_occ[k])
        per_cfm = air_g * (sat_z - temp)  # °F the zone moves per cfm over the step
        base = base_flow[k]
        at_base = free + base * per_cfm
        shortfall = np.where(per_cfm < 0.0, at_base - cool_to[k], heat_to[k] - at_base)
        extra = shortfall / np.maximum(np.abs(per_cfm), 1e-9)
        cmd = np.minimum(base + np.maximum(extra, 0.0), cfm_max) * on_z
        flow = np.where(x.stuck[k] & on_z, x.stuck_cfm, cmd) if any_stuck else cmd
        moved = free + flow * per_cfm
        room = AIR * flow * np.maximum(DAT_MAX_F - sat_z, 0.0)
        reheat = np.minimum(np.maximum((heat_to[k] - moved) * inv_g, 0.0), room)
        reheat = np.where(warm_z, 0.0, reheat) if x.hot_water[k] else reheat * 0.0
        out.temp[k] = temp
        out.flow[k] = flow
        out.flow_cmd[k] = cmd
        out.reheat[k] = reheat
        out.ahu_on[k] = on
        out.warmup[k] = warm
        out.sat[k] = np.where(warm, x.warmup_sat, x.sat[k])
        temp = moved + reheat * g
    out.end_temp = temp
    return out
