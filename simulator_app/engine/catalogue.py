"""Every entity and point of a building, with stable keys and Haystack 4 tags.

Tag values use the Hayson encoding (see tags.py); refs hold catalogue keys. Each entity's and
each point's tag dict is complete (dis, kind, unit and refs included) and is what provisioning
stores. Every tag dict is its own, but treat the values as read-only: points of one template
share their marker dicts. Entities are the site, its weather station, floors (spaces) and equipment.
"""

from dataclasses import dataclass, fields
from functools import cached_property, lru_cache

from .layout import Layout
from .parsing import parse_spec
from .spec import Spec
from .points import TEMPLATES
from .tags import coord, markers, number, ref


@dataclass(frozen=True)
class Entity:
    key: str
    dis: str
    type: str  # "site", "weatherStation", "space", or the equipment type ("ahu", "vav", ...)
    tags: dict


@dataclass(frozen=True)
class Point:
    key: str
    dis: str
    kind: str  # "Number" or "Bool"
    unit: str | None
    tags: dict
    equip: str  # key of the parent entity (equipment, or the weather station)
    signal: str  # "<equipment type>.<signal>", see points.py
    column: int  # column of this point's equipment in its signal
    quality: str
    per_second: float | None  # totalizers: rate unit -> total unit, per second


@dataclass(frozen=True)
class Catalogue:
    entities: tuple
    points: tuple

    @cached_property
    def entity_index(self):
        return {e.key: e for e in self.entities}

    @cached_property
    def point_index(self):
        return {p.key: i for i, p in enumerate(self.points)}

    def entity(self, key):
        return self.entity_index[key]


_EQUIP_DIS = {
    "chw-plant": "Chilled Water Plant", "chw-pump": "CHW Pumps", "cw-pump": "CW Pumps",
    "cooling-tower": "Cooling Tower", "hw-plant": "Hot Water Plant", "hw-pump": "HW Pumps",
    "elec-meter": "Main Electric Meter", "lighting-meter": "Lighting Submeter",
    "plug-meter": "Plug Load Submeter", "elevator-meter": "Elevator Submeter",
    "kitchen-meter": "Kitchen Submeter", "gas-meter": "Main Gas Meter",
    "kitchen-gas-meter": "Kitchen Gas Submeter", "water-meter": "Main Water Meter",
}
_PUMP_SUBSTANCE = {"chw-pump": ("chilled water", "chw-plant"),
                   "cw-pump": ("condenser water", "chw-plant"),
                   "hw-pump": ("hot water", "hw-plant")}


def haystack_tz(iana):
    """Haystack names time zones by their city: America/New_York -> New_York."""
    return iana.rsplit("/", 1)[-1]


def _equip_tags(key, kind, layout, spec):
    elec = {"elecRef": ref("elec-meter")}
    if kind == "chw_plant":
        return markers("chilled water plant")
    if kind == "hw_plant":
        return markers("hot water plant")
    if kind == "chiller":
        cap = number(spec.equipment.chillers.capacity_tons, "tonref")
        return {**markers("chiller centrifugal"), "equipRef": ref("chw-plant"), **elec,
                "coolingCapacity": cap}
    if kind == "pump":
        substance, plant = _PUMP_SUBSTANCE[key]
        return {**markers(f"{substance} pump motor"), "equipRef": ref(plant), **elec}
    if kind == "cooling_tower":
        return {**markers("coolingTower"), "equipRef": ref("chw-plant"), **elec}
    if kind == "boiler":
        # No naturalGasRef: its target must be a naturalGas output (a utility, a gas main);
        # the gas meter is not one, and hsim models no such entity.
        return {**markers("hot water boiler"), "equipRef": ref("hw-plant")}
    if kind == "ahu":
        return {**markers("ahu hotWaterHeating chilledWaterCooling variableAirVolume vavZone "
                          "singleDuct"),
                "chilledWaterRef": ref("chw-plant"), "hotWaterRef": ref("hw-plant"), **elec}
    if kind == "vav":
        zone = layout.zone_by_key[key]
        return {**markers("vav hotWaterHeating pressureIndependent singleDuct"),
                "airRef": ref(layout.ahus[zone.ahu]), "hotWaterRef": ref("hw-plant"),
                "spaceRef": ref(zone.floor_key)}
    if kind == "elec_meter":
        return markers("ac elec meter siteMeter")
    if kind == "elec_submeter":
        return {**markers("ac elec meter submeter"), "submeterOf": ref("elec-meter")}
    if kind == "gas_meter":
        return markers("naturalGas flow meter siteMeter")
    if kind == "gas_submeter":
        return {**markers("naturalGas flow meter submeter"), "submeterOf": ref("gas-meter")}
    if kind == "water_meter":
        return markers("domestic water flow meter siteMeter")
    raise ValueError(kind)


def _equip_dis(key, kind):
    if key in _EQUIP_DIS:
        return _EQUIP_DIS[key]
    if kind == "vav":
        _, floor, orientation = key.split("-")
        return f"VAV {int(floor)}-{orientation.title()}"
    return key.upper() if kind == "ahu" else key.title()  # AHU-1, Chiller-1, Boiler-1


def build(spec):
    """The catalogue of a Spec (or of a spec dict, validated first)."""
    if not isinstance(spec, Spec):
        spec = parse_spec(spec)
    layout = Layout.of(spec)
    site = spec.site
    tz = haystack_tz(site.time_zone)
    geo = {"geoCity": site.city, "geoState": site.state, "geoCountry": site.country,
           "geoCoord": coord(site.latitude, site.longitude)}
    site_ref = {"siteRef": ref("site")}
    entities = [
        Entity("site", site.name, "site", {
            "dis": site.name, **markers("site"), "area": number(site.area_ft2, "ft²"),
            "geoAddr": f"{site.address}, {site.city}, {site.state}", **geo, "tz": tz,
            "yearBuilt": site.year_built, "primaryFunction": site.primary_function,
            "weatherStationRef": ref("weather"),
        }),
        # A weather station is shared by sites (siteRef is not a tag of weatherStation): the
        # site points at it with weatherStationRef, and its points carry no siteRef either.
        Entity("weather", f"{site.name} Weather Station", "weatherStation", {
            "dis": f"{site.name} Weather Station", **markers("weatherStation"), **geo, "tz": tz,
        }),
    ]
    for floor in range(1, layout.floors + 1):
        key = f"floor-{floor:02d}"
        entities.append(Entity(key, f"Floor {floor}", "space", {
            # floorNum counts from 0 (the ground floor), as Haystack defines it
            "dis": f"Floor {floor}", **markers("space floor"), "floorNum": floor - 1, **site_ref,
        }))
    for key, kind in layout.equip_types.items():
        if kind == "weather":
            continue
        dis = _equip_dis(key, kind)
        tags = {"dis": dis, **markers("equip"), **site_ref, **_equip_tags(key, kind, layout, spec)}
        entities.append(Entity(key, dis, kind, tags))
    return Catalogue(tuple(entities), tuple(_points(entities, layout, tz)))


def _points(entities, layout, tz):
    columns = {}
    for entity in entities:
        kind = "weather" if entity.type == "weatherStation" else entity.type
        if kind not in TEMPLATES:
            continue
        column = columns[kind] = columns.get(kind, -1) + 1
        parent = "weatherStationRef" if kind == "weather" else "equipRef"
        substance = _PUMP_SUBSTANCE[entity.key][0] if kind == "pump" else None
        for t, base in _point_plans(kind, substance):
            dis = f"{entity.dis} {t.dis}"
            tags = base.copy()  # the template's tags, in their order; then what varies
            tags["dis"] = dis
            tags["tz"] = tz
            tags[parent] = {"_kind": "ref", "val": entity.key}
            if kind != "weather":
                tags["siteRef"] = {"_kind": "ref", "val": "site"}
            yield _point(f"{entity.key}.{t.name}", dis, t.kind, t.unit, tags, entity.key,
                         f"{kind}.{t.signal}", column, t.quality, t.per_second)


@lru_cache(maxsize=64)
def _point_plans(kind, substance):
    """(template, tags with placeholders) per point template of an equipment type: the tag
    dict a point gets, in its order, built once the way `_point_tags` says. Points copy it,
    so their marker values are one dict per template (tag values are read-only)."""
    return tuple((t, _point_tags(kind, t, substance, None, None, None))
                 for t in TEMPLATES[kind])


def _point_tags(kind, t, substance, dis, tz, key):
    """A point's tags (the definition; `_points` fills a copy of them per point)."""
    parent = "weatherStationRef" if kind == "weather" else "equipRef"
    tags = {"dis": dis, **markers("point his cur"), **markers(t.markers), "kind": t.kind,
            "tz": tz, parent: ref(key)}
    if kind != "weather":
        tags["siteRef"] = ref("site")
    if kind == "pump" and "run" in tags:  # the standard pump run points name the medium
        tags.update(markers(substance + " pump"))
    if t.unit:
        tags["unit"] = t.unit
    if t.enum:
        tags["enum"] = t.enum
    return tags


_POINT_FIELDS = tuple(f.name for f in fields(Point))


def _point(*values):
    """Point(*values) without the frozen dataclass's per-field setattr (a third of the cost
    of a catalogue): Point has no __post_init__, so the instance is the same."""
    point = object.__new__(Point)
    object.__setattr__(point, "__dict__", dict(zip(_POINT_FIELDS, values)))
    return point
