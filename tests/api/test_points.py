"""The points and equipment of a simulator: filters return exactly the matching points, with
their tags, entity ids and current values; pagination by limit/offset."""

from simulator_app import engine
from simulator_app.models import SimulatorEntity
from simulator_app.services.simulator_config import spec_of

from .conftest import assert_error
from .readings import END, backend, filled  # noqa: F401 (fixtures)


def points(api, simulator, **params):
    response = api.get(f"/simulator/points/{simulator.poller_id}", params)
    assert response.status_code == 200, response.content
    return response.json()


def catalogue(simulator):
    return engine.catalogue(spec_of(simulator)).points


def test_it_lists_every_point_with_its_facts_and_current_value(api, filled):
    body = points(api, filled)
    expected = catalogue(filled)
    assert body["count"] == len(expected) == len(body["results"])
    ids = dict(SimulatorEntity.objects.filter(simulator=filled, is_point=True)
               .values_list("key", "entity_id"))
    by_key = {p["key"]: p for p in body["results"]}
    for point in expected:
        row = by_key[point.key]
        assert (row["entity_id"], row["dis"], row["kind"], row["unit"], row["equip"],
                row["tags"]) == (ids[point.key], point.dis, point.kind, point.unit,
                                 point.equip, point.tags)
    air = by_key["weather.air-temp"]
    assert air["equip_dis"].endswith("Weather Station")
    assert isinstance(air["cur_val"], float) and air["cur_status"] == "ok"
    assert air["cur_ts"] == "2026-03-02T05:45:00Z"  # the last interval before END
    assert isinstance(by_key["ahu-1.fan-run"]["cur_val"], bool)


def test_filters_return_exactly_the_matching_points(api, filled):
    every = catalogue(filled)
    cases = [
        ({"equip": "ahu-1"}, [p.key for p in every if p.equip == "ahu-1"]),
        ({"tag": ["temp", "sensor"]},
         [p.key for p in every if "temp" in p.tags and "sensor" in p.tags]),
        ({"equip": "ahu-1", "tag": "cmd"},
         [p.key for p in every if p.equip == "ahu-1" and "cmd" in p.tags]),
        ({"key": ["weather.air-temp", "elec-meter.power"]},
         ["weather.air-temp", "elec-meter.power"]),
        ({"equip": "nothing-here"}, []),
        ({"tag": "noSuchTag"}, []),
    ]
    for params, expected in cases:
        got = [p["key"] for p in points(api, filled, **params)["results"]]
        assert sorted(got) == sorted(expected), params
        assert len(expected) == 0 or len(expected) < len(every)


def test_pages_by_limit_and_offset(api, filled):
    everything = [p["key"] for p in points(api, filled)["results"]]
    first, second = points(api, filled, limit=10), points(api, filled, limit=10, offset=10)
    assert first["count"] == len(everything)
    assert [p["key"] for p in first["results"] + second["results"]] == everything[:20]
    assert len(points(api, filled, limit=1000)["results"]) == len(everything)
    too_many = api.get(f"/simulator/points/{filled.poller_id}", {"limit": 5000})
    assert too_many.status_code == 400 and "limit" in too_many.json()["errors"]


def test_equipment_counts_its_points(api, filled):
    response = api.get(f"/simulator/equips/{filled.poller_id}")
    assert response.status_code == 200
    equips = {e["key"]: e for e in response.json()}
    every = catalogue(filled)
    assert sum(e["point_count"] for e in equips.values()) == len(every)
    assert equips["ahu-1"]["type"] == "ahu" and "equip" in equips["ahu-1"]["markers"]
    assert equips["weather"]["type"] == "weatherStation"
    assert "site" not in equips and "floor-01" not in equips  # no points of their own


def test_an_unknown_simulator_is_a_404(api):
    assert_error(api.get("/simulator/points/999999"), 404)


def test_bad_filters_and_pages_are_a_400(api, filled):
    for params, field in [({"limit": "ten"}, "limit"), ({"offset": "-1"}, "offset"),
                          ({"limit": "0"}, "limit"), ({"tag": ""}, "tag.0"),
                          ({"equip": ["ahu-1", "ahu-2"]}, "equip"), ({"equip": ""}, "equip")]:
        assert_error(api.get(f"/simulator/points/{filled.poller_id}", params), 400, field=field)
