"""Haystack 4 conformance of hsim's tagging, checked against the standard defs that
rusty-haystack ships (ph, phScience, phIoT, phIct 4.0; offline): over the default building
and two other specs, every tag is a def, every unit is a standard unit, every ref stands on
an entity its def allows and points at one its def names, and every point's marker set is one
of its equipment's point protos, apart from the extensions named here."""

import json
from pathlib import Path

import pytest

from simulator_app import engine
from simulator_app.services.tag_defs import DOCS_FILE

from .protos import def_names, namespace, point_protos

SPECS = {
    "default": None,
    "small": {"site": {"name": "Annex", "floors": 1}, "equipment": {
        "ahu_count": 1, "zone_orientations": ["north"], "chillers": {"count": 1},
        "boilers": {"count": 1}}},
    "campus": {"site": {"name": "Campus", "floors": 5, "time_zone": "America/Chicago"},
               "equipment": {"ahu_count": 2, "zone_orientations": ["north", "south", "core"],
                             "chillers": {"count": 3}, "boilers": {"count": 2}}},
}

# Points hsim simulates that no standard proto of their equipment describes, on purpose.
EXTENSIONS = {
    # each machine's own electricity measurement (Haystack would put it on an elec meter)
    ("chiller", "power"), ("chiller", "energy"), ("pump", "power"),
    ("cooling_tower", "power"), ("ahu", "fan-power"),
    # the boiler protos have no run/enable/fuel points
    ("boiler", "enable-cmd"), ("boiler", "run"), ("boiler", "gas-flow"),
    # zone occupancy from the occupancy model; zone CO₂ (the standard has it on AHUs only)
    ("vav", "occupied"), ("vav", "zone-co2"),
    # meters of gas and water have no point protos in the standard libraries
    ("gas_meter", "flow"), ("gas_meter", "volume"), ("water_meter", "flow"),
    ("water_meter", "volume"), ("gas_submeter", "flow"), ("gas_submeter", "volume"),
}
NOT_PROTO_MARKERS = {"his", "cur", "hisTotalized"}  # point features, not part of the proto


def spec_of(name):
    return engine.default_spec() if SPECS[name] is None else SPECS[name]


@pytest.fixture(scope="module", params=list(SPECS))
def cat(request):
    return engine.catalogue(spec_of(request.param))


def marker_names(tags):
    return {name for name, value in tags.items() if value == {"_kind": "marker"}}


def test_every_tag_is_a_standard_def(cat):
    ns = namespace()
    used = {name for item in (*cat.entities, *cat.points) for name in item.tags}
    assert {name for name in used if ns.get_def(name) is None} == set()


def _standard_units():
    enum = namespace().get_def("unit").tags.get("enum")
    return {line[2:].split(":", 1)[0].strip() for line in str(enum).splitlines()
            if line.startswith("- ")}


def test_every_unit_is_in_the_standard_unit_database(cat):
    units = _standard_units()
    assert len(units) > 400
    used = {p.unit for p in cat.points if p.unit} | {
        v["unit"] for item in (*cat.entities, *cat.points) for v in item.tags.values()
        if isinstance(v, dict) and v.get("_kind") == "number" and v.get("unit")}
    assert used - units == set()


def _fits(tags, symbol):
    ns = namespace()
    return any(name == symbol or ns.is_a(name, symbol) for name in def_names(tags))


def test_refs_stand_where_their_defs_allow_and_point_at_what_they_name(cat):
    ns = namespace()
    index = cat.entity_index
    for item in (*cat.entities, *cat.points):
        markers = marker_names(item.tags)
        for name, value in item.tags.items():
            if not (isinstance(value, dict) and value.get("_kind") == "ref"):
                continue
            definition = ns.get_def(name)
            tag_on = [str(s).lstrip("^") for s in (definition.tags.get("tagOn") or [])]
            assert any(_fits(markers, s) for s in tag_on), (item.key, name, tag_on)
            target = marker_names(index[value["val"]].tags)
            of = definition.tags.get("of")
            if of is not None:
                assert _fits(target, str(of).lstrip("^")), (item.key, name, str(of))


def test_every_point_is_one_of_its_equipments_protos_or_a_named_extension(cat):
    unexplained = []
    for point in cat.points:
        equip = cat.entity(point.equip)
        protos = point_protos(marker_names(equip.tags))
        markers = frozenset(marker_names(point.tags) - NOT_PROTO_MARKERS)
        signature = (equip.type, point.key.split(".", 1)[1])
        if markers not in protos and signature not in EXTENSIONS:
            unexplained.append((point.key, sorted(markers)))
    assert unexplained == []


def test_the_named_extensions_are_still_points_hsim_has():
    cat = engine.catalogue(engine.default_spec())
    present = {(cat.entity(p.equip).type, p.key.split(".", 1)[1]) for p in cat.points}
    assert EXTENSIONS <= present


def test_the_standard_protos_hsim_relies_on(cat):
    by_name = {(cat.entity(p.equip).type, p.key.split(".", 1)[1]): marker_names(p.tags)
               for p in cat.points}
    assert {"discharge", "damper", "cmd"} <= by_name[("vav", "damper")]
    assert {"discharge", "chilled", "water", "cool", "valve", "cmd"} <= by_name[
        ("ahu", "cooling-valve")]
    assert {"discharge", "fan", "vfd", "speed", "cmd"} <= by_name[("ahu", "fan-speed")]
    assert {"ac", "elec", "active", "power", "sensor"} <= by_name[("elec_meter", "power")]
    assert {"leaving", "chilled", "water", "flow"} <= by_name[("chiller", "chw-flow")]
    pumps = [marker_names(p.tags) for p in cat.points if p.key.endswith("pump.run")]
    assert pumps and all({"pump", "run", "water"} <= m for m in pumps)


def test_floors_count_from_zero_and_submeters_and_stations_are_tagged_as_defined(cat):
    floors = sorted(e.tags["floorNum"] for e in cat.entities if e.type == "space")
    assert floors[0] == 0 and floors == list(range(len(floors)))
    subs = [e for e in cat.entities if "submeterOf" in e.tags]
    assert subs and all("submeter" in e.tags and "siteMeter" not in e.tags for e in subs)
    station = next(e for e in cat.entities if e.type == "weatherStation")
    assert "siteRef" not in station.tags
    assert all("siteRef" not in p.tags for p in cat.points if p.equip == station.key)
    assert all("naturalGasRef" not in e.tags for e in cat.entities)


HSIM_OWN = "hsim's own tag"


def test_tag_defs_hsim_loads_are_standard_names_or_marked_as_hsims_own():
    ns = namespace()
    docs = json.loads(Path(DOCS_FILE).read_text())
    for name, doc in docs.items():
        assert ns.get_def(name) is not None or doc.startswith(HSIM_OWN), name
