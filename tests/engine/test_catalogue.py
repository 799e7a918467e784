import json

import pytest

from simulator_app.engine import catalogue, matches, parse_spec, tag_kind

# Haystack 4 defs the catalogue may use. A tag outside this list is an invented one
# (the upstream simulator's ahuRef-as-Str, floorsServed, totalizing ... must not come back).
HAYSTACK_TAGS = set("""
    dis site area tz geoAddr geoCity geoState geoCountry geoCoord yearBuilt primaryFunction
    weatherStationRef weatherStation space floor floorNum siteRef equip equipRef spaceRef
    chilled hot water condenser domestic naturalGas air plant chiller centrifugal
    coolingCapacity elecRef pump motor coolingTower boiler ahu hotWaterHeating
    chilledWaterCooling variableAirVolume vavZone singleDuct chilledWaterRef hotWaterRef vav
    pressureIndependent airRef ac elec meter siteMeter submeterOf flow point his cur kind
    unit enum sensor cmd sp hisTotalized weather temp humidity dewPoint wetBulb solar
    irradiance leaving entering enable run power energy pf volume fan speed discharge mixed
    return outside damper valve pressure zone cooling heating occupied
    active import total effective vfd cool heat submeter
    wind atmospheric co2 concentration enthalpy
""".split())
HAYSTACK_UNITS = {"mph", "inHg", "ppm", "BTU/lb", "°F", "%", "%RH", "cfm", "cfh", "gal/min", "kW", "kWh", "inH₂O", "ft³", "gal",
                  "pf", "W/m²"}


@pytest.fixture(scope="module")
def cat(spec):
    return catalogue(spec)


def query(cat, q):
    """Points whose own tags plus their equipment's tags hold every tag of `q`."""
    return [p for p in cat.points if matches({**cat.entity(p.equip).tags, **p.tags}, q)]


def test_keys_are_stable_and_unique(spec, cat):
    again = catalogue(parse_spec(spec.to_dict()))
    assert [p.key for p in again.points] == [p.key for p in cat.points]
    assert [e.key for e in again.entities] == [e.key for e in cat.entities]
    keys = [p.key for p in cat.points] + [e.key for e in cat.entities]
    assert len(keys) == len(set(keys))


def test_the_default_building_has_the_reference_equipment(cat):
    types = [e.type for e in cat.entities]
    assert types.count("vav") == 48
    assert types.count("ahu") == 4
    assert types.count("chiller") == 2
    assert types.count("boiler") == 2
    assert {"elec_meter", "gas_meter", "water_meter", "weatherStation"} <= set(types)


def test_every_tag_is_a_haystack_def(cat):
    used = {name for item in (*cat.entities, *cat.points) for name in item.tags}
    assert used - HAYSTACK_TAGS == set()


def test_units_are_haystack_symbols(cat):
    units = {p.unit for p in cat.points if p.kind == "Number"}
    assert units <= HAYSTACK_UNITS
    assert all(p.unit is None for p in cat.points if p.kind == "Bool")


def test_refs_point_at_entities_that_exist(cat):
    keys = {e.key for e in cat.entities}
    for item in (*cat.entities, *cat.points):
        for name, value in item.tags.items():
            if tag_kind(value) == "ref":
                assert name.endswith(("Ref", "Of")), name
                assert value["val"] in keys, (item.key, name)


def test_every_point_has_site_and_parent_refs_and_history(cat):
    for p in cat.points:
        # weather points belong to the (shareable) station, which has no siteRef
        site = None if "weatherStationRef" in p.tags else {"_kind": "ref", "val": "site"}
        assert p.tags.get("siteRef") == site
        parent = p.tags.get("equipRef") or p.tags.get("weatherStationRef")
        assert parent == {"_kind": "ref", "val": p.equip}
        assert tag_kind(p.tags["point"]) == "marker" and tag_kind(p.tags["his"]) == "marker"
        assert p.tags["kind"] == p.kind
        assert sum(f in p.tags for f in ("sensor", "cmd", "sp")) == 1, p.key


def test_only_totalizers_are_his_totalized(cat):
    totalized = {p.key for p in cat.points if "hisTotalized" in p.tags}
    assert totalized == {p.key for p in cat.points if p.per_second is not None}
    assert {"elec-meter.energy", "gas-meter.volume", "water-meter.volume",
            "chiller-1.energy"} <= totalized


@pytest.mark.parametrize("q, count", [
    ("outside air temp sensor", 4),
    ("siteMeter elec power", 1),
    ("siteMeter elec energy", 1),
    ("chiller elec power", 2),
    ("zone air temp sensor", 48),
    ("zone air temp sp", 96),
    ("vav discharge air flow sensor", 48),
    ("occupied", 48),
])
def test_points_are_found_by_standard_queries(cat, q, count):
    assert len(query(cat, q)) == count


def test_plant_and_gas_points_are_found_by_tag(cat):
    assert len(query(cat, "boiler")) >= 12
    gas = {p.key for p in query(cat, "naturalGas")}
    assert {"gas-meter.flow", "gas-meter.volume", "boiler-1.gas-flow"} <= gas
    assert query(cat, "damper")


def test_markers_numbers_and_refs_are_json_and_typed(cat):
    site = cat.entity("site").tags
    assert site["area"] == {"_kind": "number", "val": 150000.0, "unit": "ft²"}
    assert site["tz"] == "New_York"
    assert tag_kind(site["site"]) == "marker"
    json.dumps([e.tags for e in cat.entities] + [p.tags for p in cat.points])


def test_vavs_reference_their_ahu_and_floor(cat):
    tags = cat.entity("vav-07-east").tags
    assert tags["airRef"]["val"] == "ahu-3"
    assert tags["spaceRef"]["val"] == "floor-07"
    assert cat.entity("floor-07").tags["floorNum"] == 6  # Haystack counts from 0


def test_meters_form_a_tree(cat):
    assert "siteMeter" in cat.entity("elec-meter").tags
    for sub in ("lighting-meter", "plug-meter"):
        assert cat.entity(sub).tags["submeterOf"]["val"] == "elec-meter"
        assert "siteMeter" not in cat.entity(sub).tags
        assert "submeter" in cat.entity(sub).tags
    # naturalGasRef must name a naturalGas output; the gas meter is none, so there is none
    assert "naturalGasRef" not in cat.entity("boiler-1").tags


def test_layout_follows_the_spec():
    spec = parse_spec({"site": {"floors": 5}, "equipment": {
        "ahu_count": 2, "zone_orientations": ["north", "core"], "chillers": {"count": 3}}})
    cat = catalogue(spec)
    vavs = [e for e in cat.entities if e.type == "vav"]
    assert len(vavs) == 10
    assert {e.tags["airRef"]["val"] for e in vavs} == {"ahu-1", "ahu-2"}
    assert len(query(cat, "chiller elec power")) == 3
