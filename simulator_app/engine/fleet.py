"""A fleet: N building specs drawn from one template and one fleet seed.

Building i of a fleet depends only on (template, fleet seed, i): the same call always gives
the same portfolio, and growing a fleet from 100 to 1,000 buildings keeps the first 100. The
draws vary what differs between real office buildings: size and height, zone layout, AHU and
plant counts sized to the floor area, occupied hours, thermostat setpoints, climate and the
building's own seed. Everything drawn stays inside the spec's rules (parse_spec accepts every
variant; a test checks it over many draws).
"""

import math

from .presets import PRESETS, apply_preset, names
from .rng import scalar_uniforms

FLEET_STREAM = 101  # keeps fleet draws apart from the engine's own streams
ZONE_LAYOUTS = (
    ["north", "east", "south", "west"],
    ["north", "east", "south", "west", "core"],
    ["north", "south"],
    ["east", "west", "core"],
)
WEEKDAY_STARTS = ("06:00", "06:30", "07:00", "07:30", "08:00", "08:30")
WEEKDAY_ENDS = ("16:30", "17:00", "17:30", "18:00", "18:30", "19:00", "20:00")
MAX_FLEET = 100_000


def variant(template, fleet_seed, index, name_prefix="Building", presets=None):
    """The spec dict of building `index` (0-based) of the fleet.

    The climate is drawn from `presets` (names of presets.PRESETS; all of them by default),
    unless the template pins a location by naming its site's time zone and no presets are
    given.
    """
    u = iter(scalar_uniforms(fleet_seed, FLEET_STREAM, f"building:{index}", 24).tolist())
    pick = lambda options: options[min(int(next(u) * len(options)), len(options) - 1)]  # noqa: E731
    base = dict(template)
    site = dict(base.get("site") or {})
    equipment = dict(base.get("equipment") or {})
    schedule = dict(base.get("schedule") or {})
    setpoints = dict(base.get("setpoints") or {})

    ref_area = float(site.get("area_ft2", 150_000))
    area = round(ref_area * math.exp(math.log(0.25) + next(u) * math.log(2.5 / 0.25)), -3)
    area = max(area, 10_000.0)
    floor_plate = 8_000 + next(u) * 17_000
    floors = max(1, min(60, round(area / floor_plate)))
    zones = pick(ZONE_LAYOUTS)
    ahus = max(1, min(floors, round(floors / (2 + next(u) * 3))))
    chillers = 1 if area < 60_000 else 2 + int(next(u) > 0.7 and area > 250_000)
    boilers = 1 if area < 40_000 else 2
    tons_per_ft2 = (1 / 450 + next(u) * (1 / 300 - 1 / 450)) * 1.25  # installed margin
    kbtuh_per_ft2 = 0.025 + next(u) * 0.015
    zone_area = area / (floors * len(zones))

    site.update(name=f"{name_prefix} {index + 1:05d}", area_ft2=area, floors=floors,
                address=f"{100 + index} Fleet Street", year_built=1960 + int(next(u) * 65))
    equipment.update(
        zone_orientations=zones,
        ahu_count=ahus,
        vav_max_cfm=round(max(300.0, min(20_000.0, zone_area * (0.8 + next(u) * 0.4))), -1),
        chillers={**(equipment.get("chillers") or {}), "count": chillers,
                  "capacity_tons": round(area * tons_per_ft2 / chillers, -1) or 10.0},
        boilers={**(equipment.get("boilers") or {}), "count": boilers,
                 "capacity_kbtuh": round(area * kbtuh_per_ft2 / boilers, -1)},
        lighting_w_per_ft2=round(0.5 + next(u) * 0.7, 2),
        plug_w_per_ft2=round(0.8 + next(u) * 0.9, 2),
    )
    weekday = {"start": pick(WEEKDAY_STARTS), "end": pick(WEEKDAY_ENDS)}
    schedule.update(weekday=weekday, peak_occupancy=round(0.6 + next(u) * 0.35, 2))
    schedule["saturday"] = {"start": "08:00", "end": "13:00"} if next(u) < 0.3 else None
    cooling = 72 + int(next(u) * 4)  # 72-75 °F
    setpoints.update(occupied_cooling_f=cooling, occupied_heating_f=cooling - 2 - int(next(u) * 3),
                     unoccupied_cooling_f=cooling + 5, unoccupied_heating_f=62 + int(next(u) * 4))
    spec = {**base, "site": site, "equipment": equipment, "schedule": schedule,
            "setpoints": setpoints, "seed": int(fleet_seed * 1_000_003 + index) % (2**63)}
    climate = pick(sorted(presets or PRESETS))
    if presets or not (base.get("site") or {}).get("time_zone"):
        spec = apply_preset(spec, climate)
    return spec


def variants(template, fleet_seed, count, name_prefix="Building", presets=None, start=0):
    if start < 0 or not 0 < count <= MAX_FLEET:
        raise ValueError(f"count must be between 1 and {MAX_FLEET}")
    unknown = sorted(set(presets or ()) - set(names()))
    if unknown:
        raise ValueError(f"unknown climate preset(s) {', '.join(unknown)}; "
                         f"use {', '.join(names())}")
    return [variant(template, fleet_seed, i, name_prefix, presets)
            for i in range(start, start + count)]
