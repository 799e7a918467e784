"""History of a simulator's points over the API: raw rows equal hsim_generate's, rollups equal
the same aggregation in Python, CSV equals JSON, on PostgreSQL and on SQLite value databases."""

import json
import math
from collections import defaultdict
from datetime import datetime, timezone

import pytest
from django.test import override_settings

from simulator_app.models import SimulatorEntity
from simulator_app.services.simulators import create_simulator
from simulator_app.storage.history import worst_status

from .conftest import SMALL_BUILDING, assert_error, client_for, make_user
from .readings import (  # noqa: F401 (fixtures)
    END, START, backend, csv_rows, filled, generate, generated_csv, iso, json_rows, streamed,
)

URL = "/simulator/history/{}"


def get(api, simulator, **params):
    return api.get(URL.format(simulator.poller_id), params)


def test_history_of_a_window_equals_hsim_generate(api, filled, tmp_path):
    expected = generated_csv(filled, START, END, tmp_path)
    text = streamed(get(api, filled, start=iso(START), end=iso(END), format="csv"))
    assert len(expected) > 24 * 60
    assert csv_rows(text) == expected


def test_a_sub_window_holds_exactly_its_rows(api, filled, tmp_path):
    start, end = datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc), datetime(
        2026, 3, 2, 2, 45, tzinfo=timezone.utc)
    body = json.loads(streamed(get(api, filled, start=iso(start), end=iso(end))))
    everything = generated_csv(filled, START, END, tmp_path)
    inside = {k: v for k, v in everything.items() if iso(start) <= k[0] < iso(end)}
    assert json_rows(body) == inside
    assert body["start"] == iso(start) and body["end"] == iso(end)
    assert body["rollup"] is None and body["fn"] is None


def test_csv_and_json_carry_the_same_values(api, filled):
    params = dict(start=iso(START), end=iso(END), point=["ahu-1.discharge-air-temp",
                                                         "ahu-1.fan-run"])
    from_json = json_rows(json.loads(streamed(get(api, filled, **params))))
    from_csv = csv_rows(streamed(api.get(URL.format(filled.poller_id), params,
                                         HTTP_ACCEPT="text/csv")))
    assert from_json == from_csv
    assert {point for _, point in from_json} == set(params["point"])


def test_series_come_in_the_order_asked_with_units_and_entity_ids(api, filled):
    keys = ["weather.air-temp", "ahu-1.discharge-air-temp", "elec-meter.power"]
    ids = dict(SimulatorEntity.objects.filter(simulator=filled, key__in=keys)
               .values_list("key", "entity_id"))
    body = json.loads(streamed(get(api, filled, start=iso(START), end=iso(END),
                                   point=[keys[0], str(ids[keys[1]]), keys[2]])))
    assert [s["point"] for s in body["series"]] == keys
    assert [s["entity_id"] for s in body["series"]] == [ids[k] for k in keys]
    assert body["series"][0]["unit"] == "°F"
    assert all(len(s["rows"]) == 24 for s in body["series"])


def test_a_point_without_rows_in_the_range_is_an_empty_series(api, filled):
    body = json.loads(streamed(get(api, filled, start="2026-03-05T00:00:00Z",
                                   end="2026-03-06T00:00:00Z", point="weather.air-temp")))
    assert body["series"] == [{"point": "weather.air-temp", "entity_id": body["series"][0][
        "entity_id"], "unit": "°F", "rows": []}]


def python_rollup(raw, bucket, fn):
    """The same aggregation in Python: epoch-aligned buckets; Bool as 0/1; worst status."""
    groups = defaultdict(list)
    for (ts, point), (vn, vb, _vs, status) in raw.items():
        t = int(datetime.fromisoformat(ts).timestamp())
        value = vn if vn is not None else (None if vb is None else float(vb))
        groups[(point, t - t % bucket)].append((ts, value, status))
    out = {}
    for (point, b), rows in groups.items():
        rows.sort()
        values = [v for _, v, _ in rows if v is not None]
        if fn == "last":
            value, status = rows[-1][1], rows[-1][2]
        else:
            value = {"avg": lambda v: sum(v) / len(v), "min": min, "max": max,
                     "sum": sum}[fn](values) if values else None
            status = worst_status([s for _, _, s in rows])
        stamp = datetime.fromtimestamp(b, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out[(stamp, point)] = (value, status)
    return out


@pytest.mark.parametrize("fn", ["avg", "min", "max", "sum", "last"])
def test_rollups_equal_the_same_aggregation_of_the_raw_rows(api, filled, fn):
    params = dict(start=iso(START), end=iso(END), equip="ahu-1")
    raw = json_rows(json.loads(streamed(get(api, filled, **params))))
    body = json.loads(streamed(get(api, filled, rollup="1h", fn=fn, **params)))
    assert body["rollup"] == "1h" and body["fn"] == fn
    rolled = {k: (v[0], v[3]) for k, v in json_rows(body).items()}
    expected = python_rollup(raw, 3600, fn)
    assert rolled.keys() == expected.keys() and len(rolled) >= 6 * 10
    for key, (value, status) in expected.items():
        got_value, got_status = rolled[key]
        assert got_status == status, key
        assert (got_value is None and value is None) or math.isclose(
            got_value, value, rel_tol=1e-9, abs_tol=1e-9), (key, got_value, value)


def test_a_rollup_in_csv_equals_the_rollup_in_json(api, filled):
    params = dict(start=iso(START), end=iso(END), rollup="2h", fn="max", tag="temp")
    from_json = json_rows(json.loads(streamed(get(api, filled, **params))))
    from_csv = csv_rows(streamed(get(api, filled, format="csv", **params)))
    assert from_json == from_csv and len(from_json) > 0


def test_without_points_it_reads_every_point_of_the_filter(api, filled):
    body = json.loads(streamed(get(api, filled, start=iso(START), end=iso(END), tag="sensor",
                                   equip="weather")))
    points = {s["point"] for s in body["series"]}
    assert points and all(p.startswith("weather.") for p in points)


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("params, field", [
    ({"start": "yesterday"}, "start"),
    ({"start": iso(END), "end": iso(START)}, "end"),
    ({"start": iso(START), "end": iso(START)}, "end"),
    ({"rollup": "1y"}, "rollup"),
    ({"rollup": "0h"}, "rollup"),
    ({"rollup": "1h", "fn": "median"}, "fn"),
    ({"fn": "avg"}, "fn"),
    ({"start": iso(START), "start ": "x", "end": [iso(END), iso(END)]}, "end"),
    ({"format": "xml"}, "format"),
])
def test_bad_input_is_a_400_naming_the_field(api, filled, params, field):
    assert_error(get(api, filled, **params), 400, field=field)


def test_a_range_over_the_row_limit_is_a_400_before_any_read(api, filled):
    with override_settings(HSIM_HISTORY_MAX_ROWS=1000):
        body = assert_error(get(api, filled, start="2025-03-02T00:00:00Z", end=iso(END),
                                point="weather.air-temp", format="csv"), 400, field="end")
        assert "1000" in body["detail"]
        # the same range rolled up by day fits
        response = get(api, filled, start="2025-03-02T00:00:00Z", end=iso(END),
                       point="weather.air-temp", rollup="1d")
        assert json.loads(streamed(response))["series"][0]["rows"]


def test_too_many_points_is_a_400(api, filled):
    with override_settings(HSIM_HISTORY_MAX_POINTS=2):
        assert_error(get(api, filled, start=iso(START), end=iso(END)), 400, field="point")


def test_an_unknown_point_or_another_orgs_point_is_a_404(api, filled, other_org):
    assert_error(get(api, filled, point="ahu-9.nothing"), 404, field="point")
    theirs = create_simulator(other_org, "Theirs", SMALL_BUILDING, 15)
    foreign = SimulatorEntity.objects.filter(simulator=theirs, is_point=True).first()
    assert_error(get(api, filled, point=str(foreign.entity_id)), 404, field="point")


def test_another_orgs_simulator_is_a_404(filled, other_org):
    outsider = client_for(make_user("outsider", other_org))
    assert_error(get(outsider, filled, start=iso(START), end=iso(END)), 404)
    assert_error(outsider.get(f"/simulator/points/{filled.poller_id}"), 404)
    assert_error(outsider.get(f"/simulator/equips/{filled.poller_id}"), 404)


def test_a_csv_request_with_bad_input_still_answers_the_json_error_shape(api, filled):
    response = api.get(URL.format(filled.poller_id), {"rollup": "x"}, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, 400, field="rollup")


def test_the_row_limit_counts_the_finest_interval_the_simulator_ever_had(api, filled):
    response = api.post(f"/simulator/state/{filled.poller_id}", {"interval_minutes": 60},
                        format="json")
    assert response.status_code == 200, response.content
    # 24 rows a point at 15 min over these 6 h: 2 points x 24 = 48 > 40, though 60-min
    # intervals alone would make it 12
    with override_settings(HSIM_HISTORY_MAX_ROWS=40):
        assert_error(get(api, filled, start=iso(START), end=iso(END),
                         point=["weather.air-temp", "elec-meter.power"]), 400, field="end")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_answer_streams_in_chunks_of_bounded_size(api, filled, monkeypatch, fmt):
    from simulator_app.storage import history as store

    monkeypatch.setattr(store, "CHUNK_ROWS", 100)
    response = get(api, filled, start=iso(START), end=iso(END), format=fmt)
    assert response.streaming
    chunks = [c for c in response.streaming_content if c]
    rows = sum(c.count(b"\n") for c in chunks) - 1 if fmt == "csv" else None
    if fmt == "csv":
        assert rows > 24 * 60
        assert len(chunks) >= rows // 100  # one chunk per 100 rows read, not one answer
        assert max(c.count(b"\n") for c in chunks) <= 100
    else:
        assert len(chunks) >= 24 * 60 // 100
        json.loads(b"".join(chunks))
