"""Zone heat balance terms: envelope conductance, thermal capacitance and free gains.

Perimeter zones lose heat through the envelope and gain sun through their facade; a core
zone barely sees either. People, lights and plugs add heat in proportion to the occupancy
the schedule drives. All in Btu/h, °F and ft². The always-on base load (IT rooms, risers) is
not a zone gain: its own split systems reject that heat, inside the same electric load.
"""

from dataclasses import dataclass

import numpy as np

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
