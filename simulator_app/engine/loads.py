"""Zone heat balance terms: envelope conductance, thermal capacitance and free gains.

Perimeter zones lose heat through the envelope and gain sun through their facade; a core
zone barely sees either. People, lights and plugs add heat in proportion to the occupancy
the schedule drives. All in Btu/h, °F and ft². The always-on base load (IT rooms, risers) is
not a zone gain: its own split systems reject that heat, inside the same electric load.

`living_loads` gives the metered loads of people besides lights and plugs: elevators, the
cafeteria kitchen (electric and gas) and domestic water.
"""

from dataclasses import dataclass

import numpy as np

from . import rng

UA_PERIMETER = 0.14  # Btu/h·ft²·°F of floor area: walls, glazing, infiltration
UA_CORE = 0.03
UI_FLOOR = 0.5  # Btu/h·ft²·°F of floor area: air and heat exchanged with the rest of the floor
CAPACITANCE = 3.0  # Btu/°F·ft²: air, furniture, the exposed slab that the air sees
SOLAR_FACTOR = 0.05  # effective glazing share × SHGC, per ft² of floor
W_M2_TO_BTUH_FT2 = 0.317
W_TO_BTUH = 3.412
PERSON_BTUH = 250.0  # sensible heat per occupant


@dataclass
class ZoneLoads:
    area: np.ndarray  # [Z] ft²
    ua: np.ndarray  # [Z] Btu/h·°F to outdoors
    ui: np.ndarray  # [Z] Btu/h·°F to the rest of the floor
    capacitance: np.ndarray  # [Z] Btu/°F
    t_free: np.ndarray  # [T, Z] °F the zone settles at with the HVAC off


def zone_loads(spec, layout, weather, occupancy):
    eq = spec.equipment
    Z = len(layout.zones)
    area = np.full(Z, spec.site.area_ft2 / Z)
    core = np.array([z.orientation == "core" for z in layout.zones])
    ua = np.where(core, UA_CORE, UA_PERIMETER) * area
    solar = np.stack([weather.facade[z.orientation] for z in layout.zones], axis=1)
    people = spec.schedule.people_per_1000_ft2 / 1000.0 * PERSON_BTUH * occupancy.zone_people
    per_ft2 = (
        people
        + (eq.lighting_w_per_ft2 * occupancy.lighting)[:, None] * W_TO_BTUH
        + (eq.plug_w_per_ft2 * occupancy.plugs)[:, None] * W_TO_BTUH
        + SOLAR_FACTOR * W_M2_TO_BTUH_FT2 * solar
    )
    t_free = weather.oat[:, None] + per_ft2 * area / ua
    return ZoneLoads(area, ua, UI_FLOOR * area, CAPACITANCE * area, t_free)


# Living loads of the building's meters (besides lighting and plugs): elevators, the cafeteria
# kitchen and domestic water. Each is a closed form of its timestamp: the occupancy drivers
# (functions of the local clock and the seed) and draws keyed by (seed, stream key, epoch
# second), so any window split anywhere gives the same values.
LIFT_KWH_PER_RIDE = 0.05  # a 12-storey traction elevator, cars shared, regeneration netted
LIFT_STANDBY_KW_PER_CAR = 1.0  # controller, car lights and fan
FT2_PER_CAR = 40_000.0
KITCHEN_W_PER_FT2 = 0.3  # electric cooking, hoods, dish machine booster at the lunch peak
KITCHEN_BASE_W_PER_FT2 = 0.03  # walk-in coolers and freezers, around the clock
KITCHEN_CFH_PER_FT2 = 0.002  # ranges, fryers and griddles at the lunch peak (300 cfh here)
KITCHEN_GPM_PER_1000_FT2 = 0.02  # prep sinks and the dish machine at the peak
GAL_PER_USE = 2.5  # a flush, a hand wash, a drink
LEAK_GPM_PER_1000_FT2 = 0.003  # dripping fixtures and a running cistern: the night base
BURST_CHANCE = (0.05, 0.01)  # per interval, occupied / not: cleaning, filling, a shower
BURST_GPM = (3.0, 15.0)


@dataclass
class LivingLoads:
    elec: list  # [T] kW columns of the extra electric submeters, in catalogue order
    gas: np.ndarray  # [T] cfh of the kitchen
    water: np.ndarray  # [T] gal/min of domestic use (restrooms, kitchen, bursts, leaks)


def _hashes(spec, ts, names):
    """[len(names), T] hashes keyed by (seed, name, epoch second)."""
    keys = [f"living-load:{name}" for name in names]
    return rng.hashes(spec.seed, rng.OCCUPANCY, rng.key_hashes(keys), ts).T


def _count(mean, h):
    """A count with this mean and a Poisson's spread (normal approximation, never negative)."""
    return np.maximum(np.round(mean + np.sqrt(mean) * rng.normal(h)), 0.0)


def living_loads(spec, occupancy):
    area, step_min = spec.site.area_ft2, spec.interval_seconds / 60.0
    ts = occupancy.ts
    h = _hashes(spec, ts, ("lift", "kitchen", "uses", "burst", "burst-gpm"))
    u = rng.uniform(h)
    elec = []
    if spec.site.floors > 1:  # a one-storey building has no elevator
        rides = _count(occupancy.lifts * step_min, h[0])
        cars = max(1.0, round(area / FT2_PER_CAR))
        elec.append(cars * LIFT_STANDBY_KW_PER_CAR + rides * LIFT_KWH_PER_RIDE * 60.0 / step_min)
    busy = occupancy.kitchen * (0.7 + 0.6 * u[1])  # burners and machines cycle
    elec.append(area / 1000.0 * (KITCHEN_BASE_W_PER_FT2 + KITCHEN_W_PER_FT2 * busy))
    gas = area * KITCHEN_CFH_PER_FT2 * busy

    uses = _count(occupancy.restroom * step_min, h[2])
    occupied = occupancy.restroom * step_min >= 1.0
    burst = u[3] < np.where(occupied, BURST_CHANCE[0], BURST_CHANCE[1])
    burst_gpm = np.where(burst, BURST_GPM[0] + (BURST_GPM[1] - BURST_GPM[0]) * u[4], 0.0)
    # The leak drifts slowly: a value per local day would be enough, per epoch hour is finer.
    leak = area / 1000.0 * LEAK_GPM_PER_1000_FT2 * (0.8 + 0.4 * _hourly(spec, ts))
    water = (uses * GAL_PER_USE / step_min + area / 1000.0 * KITCHEN_GPM_PER_1000_FT2 * busy
             + burst_gpm + leak)
    return LivingLoads(elec, gas, water)


def _hourly(spec, ts):
    """0..1, linear between per-epoch-hour draws."""
    hours = ts / 3600.0
    h = np.floor(hours).astype(np.int64)
    u = rng.uniform(rng.hashes(spec.seed, rng.OCCUPANCY, [rng.key_hash("living-load:leak")],
                               np.concatenate([h, h + 1])))[:, 0]
    return u[:len(h)] + (u[len(h):] - u[:len(h)]) * (hours - h)
