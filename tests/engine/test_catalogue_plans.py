"""The catalogue's memoised point plans give what building every point's tags afresh gives.

`catalogue.build` fills a copy of a per-template tag dict (made once per equipment type) for
each point; this checks it against the definition written out in full, tag by tag and in
order, for diverse fleet buildings (1 to many floors, every zone layout, 1-3 chillers,
several climates) and the default building.
"""

import pytest

from simulator_app.engine import catalogue, default_spec, parse_spec
from simulator_app.engine.catalogue import _PUMP_SUBSTANCE, Point
from simulator_app.engine.fleet import variants
from simulator_app.engine.points import TEMPLATES
from simulator_app.engine.tags import markers, ref


def reference_points(cat, tz):
    """Every point as the catalogue defined them before the plans (the definition)."""
    columns = {}
    for entity in cat.entities:
        kind = "weather" if entity.type == "weatherStation" else entity.type
        if kind not in TEMPLATES:
            continue
        column = columns[kind] = columns.get(kind, -1) + 1
        parent = "weatherStationRef" if kind == "weather" else "equipRef"
        for t in TEMPLATES[kind]:
            dis = f"{entity.dis} {t.dis}"
            tags = {"dis": dis, **markers("point his cur"), **markers(t.markers),
                    "kind": t.kind, "tz": tz, parent: ref(entity.key)}
            if kind != "weather":
                tags["siteRef"] = ref("site")
            if kind == "pump" and "run" in tags:
                tags.update(markers(_PUMP_SUBSTANCE[entity.key][0] + " pump"))
            if t.unit:
                tags["unit"] = t.unit
            if t.enum:
                tags["enum"] = t.enum
            yield Point(f"{entity.key}.{t.name}", dis, t.kind, t.unit, tags, entity.key,
                        f"{kind}.{t.signal}", column, t.quality, t.per_second)


def diverse_specs():
    drawn = [parse_spec(v) for v in variants({}, 23, 60)]
    picked, seen = [], set()
    for spec in drawn:
        shape = (spec.site.floors == 1, tuple(spec.equipment.zone_orientations),
                 spec.equipment.chillers.count, spec.site.time_zone)
        if shape not in seen:
            seen.add(shape)
            picked.append(spec)
    return [default_spec(), *picked[:12]]


SPECS = diverse_specs()


def test_the_fleet_sample_is_diverse():
    assert len({s.site.time_zone for s in SPECS}) >= 4
    assert len({tuple(s.equipment.zone_orientations) for s in SPECS}) >= 3
    assert len({s.equipment.chillers.count for s in SPECS}) >= 2
    assert len({s.site.floors for s in SPECS}) >= 5


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.site.name)
def test_points_from_the_plans_equal_the_definition_in_value_and_order(spec):
    cat = catalogue(spec)
    tz = cat.entity("site").tags["tz"]
    expected = list(reference_points(cat, tz))
    assert list(cat.points) == expected
    assert [list(p.tags.items()) for p in cat.points] == [list(p.tags.items()) for p in expected]
    assert [type(p) for p in cat.points] == [Point] * len(expected)


def test_building_again_gives_an_equal_catalogue_with_tag_dicts_and_refs_of_its_own():
    spec = SPECS[3]
    first, again = catalogue(spec), catalogue(spec)
    assert first == again
    tag_dicts = [id(p.tags) for cat in (first, again) for p in cat.points]
    assert len(tag_dicts) == len(set(tag_dicts))
    refs = [id(v) for cat in (first, again) for p in cat.points for v in p.tags.values()
            if isinstance(v, dict) and v["_kind"] == "ref"]
    assert len(refs) == len(set(refs))


def test_a_point_made_from_a_plan_is_still_a_frozen_point():
    point = catalogue(SPECS[0]).points[0]
    with pytest.raises(AttributeError):
        point.key = "other"
    assert repr(point).startswith("Point(key='weather.air-temp'")
