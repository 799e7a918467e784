"""Hostile bodies answer 4xx in the one error shape and change nothing, never a 500:
JSON nested ~1,000 deep, lone surrogates, bodies past Django's or hsim's size limits, and a
failing primary whose error text (SQL, hosts) must stay in the log."""

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from .conftest import assert_error, counts
from .test_browsable_api_pages import fill, routes
from .test_bulk_values import BROKEN_PRIMARY, make_entities, stored, value

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)


def nested(depth):
    return "[" * depth + "]" * depth


def raw_post(client, path, text):
    client.raise_request_exception = False  # a crash must show as the 500 it would be
    return client.generic("POST", path, text, content_type="application/json")


def json_endpoints(simulator):
    sid = simulator.poller_id
    return ["/poller", "/bulk/value", "/api/simulators/", f"/simulator/state/{sid}",
            f"/simulator/reset/{sid}", f"/simulator/backfill/{sid}",
            f"/api/simulators/{sid}/state/"]


@pytest.mark.parametrize("depth", [1000, 5000, 900, 65])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(api, simulator, depth):
    before = counts()
    for path in json_endpoints(simulator):
        body = assert_error(raw_post(api, path, nested(depth)), 400, text="nested deeper")
        assert "[[[" not in json.dumps(body), path  # the input is never echoed
    assert counts() == before


def test_json_nested_within_the_bound_still_parses(api, simulator):
    """64 levels is the bound: a body at it reaches validation (a 400 for its shape, not for
    its nesting)."""
    body = assert_error(raw_post(api, "/poller", nested(64)), 400)
    assert "nested deeper" not in body["detail"]


def test_deeply_nested_json_inside_a_poller_config_text_is_a_400_naming_config(api, org):
    before = counts()
    for poller_type in ("simulator", "bacnet"):
        payload = {"org_id": org.id, "poller_type": poller_type, "poller_name": "deep",
                   "config": '{"a": ' + nested(3000) + "}"}
        assert_error(api.post("/poller", payload, format="json"), 400, field="config",
                     text="nested deeper")
    assert counts() == before


def test_a_deeply_nested_building_config_is_a_400(api, org):
    building = {"site": json.loads(nested(200))}
    text = json.dumps({"org_id": org.id, "name": "Deep", "building_config": building})
    assert_error(raw_post(api, "/api/simulators/", text), 400, text="nested deeper")


@pytest.mark.parametrize("field", ["value_s", "status"])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "ok \\udc80 ok"])
def test_a_lone_surrogate_in_a_bulk_text_field_is_a_400_naming_it(api, org, field, escape):
    (a,) = make_entities(org, 1)
    good = json.dumps(value(a))
    bad = json.dumps(value(a, T0 + timedelta(minutes=15)))[:-1] + f', "{field}": "{escape}"}}'
    bad = bad.replace(f'"{field}": null, ', "")
    text = '{"org_id": %d, "values": [%s, %s]}' % (org.id, good, bad)
    assert_error(raw_post(api, "/bulk/value", text), 400, field=f"values.1.{field}",
                 text="surrogate")
    assert stored(org) == []


def test_a_surrogate_pair_written_as_two_escapes_is_ordinary_text(api, org):
    (a,) = make_entities(org, 1)
    text = '{"org_id": %d, "values": [%s]}' % (
        org.id, json.dumps(value(a))[:-1].replace('"value_s": null', '"value_s": "\\ud83d\\ude00"')
        + "}")
    response = raw_post(api, "/bulk/value", text)
    assert response.status_code == 200, response.content
    assert response.json()[0]["value_s"] == "\U0001F600"


def test_django_and_hsim_agree_on_the_largest_body():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= django_settings.HSIM_BULK_MAX_BYTES


def test_a_bulk_body_past_djangos_default_limit_but_within_hsims_is_written(api, org):
    """3 MiB of values: more than Django's default 2.5 MiB, well within HSIM_BULK_MAX_BYTES."""
    ids = make_entities(org, 3)
    values = [value(ids[i % 3], T0 + timedelta(minutes=15 * (i // 3)), value_s="x" * 1000)
              for i in range(3000)]
    text = json.dumps({"org_id": org.id, "values": values})
    assert len(text) > 2_621_440
    response = raw_post(api, "/bulk/value", text)
    assert response.status_code == 200, response.content[:300]
    assert len(stored(org)) == 3000


def test_a_bulk_body_past_the_limit_is_a_413_saying_so(api, org, settings):
    settings.HSIM_BULK_MAX_BYTES = 100_000
    (a,) = make_entities(org, 1)
    values = [value(a, T0 + timedelta(minutes=15 * i), value_s="y" * 500) for i in range(300)]
    text = json.dumps({"org_id": org.id, "values": values})
    assert_error(raw_post(api, "/bulk/value", text), 413, text="exceeds 100000 bytes")
    assert stored(org) == []


def test_a_body_past_djangos_limit_is_a_413_in_the_error_shape(api, org, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    settings.HSIM_BULK_MAX_BYTES = 10**8  # the view would take it; Django answers first
    (a,) = make_entities(org, 1)
    values = [value(a, T0 + timedelta(minutes=15 * i), value_s="z" * 200) for i in range(100)]
    assert_error(raw_post(api, "/bulk/value", json.dumps({"org_id": org.id, "values": values})),
                 413, text="exceeds 10000 bytes")
    assert stored(org) == []


def test_other_json_endpoints_take_at_most_the_api_limit(api, org, settings):
    settings.HSIM_API_MAX_BYTES = 5_000
    before = counts()
    payload = {"org_id": org.id, "poller_type": "bacnet", "poller_name": "big",
               "config": json.dumps({"pad": "p" * 6_000})}
    assert_error(api.post("/poller", payload, format="json"), 413, text="exceeds 5000 bytes")
    assert counts() == before


def test_a_primary_failure_names_the_database_not_its_error_text(api, org, caplog):
    (a,) = make_entities(org, 1)
    with override_settings(HSIM_VALUE_DATABASES=BROKEN_PRIMARY), \
            caplog.at_level(logging.ERROR, logger="simulator_app.api.errors"):
        response = raw_post(api, "/bulk/value",
                            json.dumps({"org_id": org.id, "values": [value(a)]}))
    body = assert_error(response, 503)
    assert body["detail"].startswith("Primary database unavailable:")
    assert "'primary'" in body["detail"]  # the key of the value database
    text = response.content.decode()
    for leak in ("127.0.0.1", "port 1", "OperationalError", "connection", "none"):
        assert leak not in text
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "127.0.0.1" in logged  # the operator still gets the database's own words
    assert stored(org) == []


def test_no_route_answers_deep_json_with_a_500(api, simulator, org):
    """Every URL, the ones added later included (the URL walk of test_browsable_api_pages)."""
    api.raise_request_exception = False
    codes = {(method, url): api.generic(method, url, nested(1000),
                                        content_type="application/json").status_code
             for route, _ in routes() for url in fill(route, [simulator.poller_id, org.id])
             for method in ("POST", "PUT")}
    assert len(codes) > 40
    assert {where: code for where, code in codes.items() if code >= 500} == {}


@pytest.mark.parametrize("path, text", [
    ("/bulk/value", '{"org_id": %(org)d, "values": [{"\\ud800": 1, "entity_id": 1,'
                    ' "ts": "2026-01-01T00:00:00Z"}]}'),
    ("/poller", '{"org_id": %(org)d, "poller_type": "\\ud800", "poller_name": "x",'
                ' "config": "{}"}'),
    ("/poller", '{"org_id": %(org)d, "poller_type": "bacnet", "poller_name": "\\udc00",'
                ' "config": "{}"}'),
    ("/api/simulators/", '{"org_id": %(org)d, "name": "x", "interval_minutes": "\\ud800"}'),
])
def test_an_error_that_quotes_a_lone_surrogate_still_renders(api, org, path, text):
    """Messages quote the input (an unknown field's name, a bad choice); the error shape
    carries them with the surrogate replaced instead of failing to render (a 500)."""
    before = counts()
    response = raw_post(api, path, text % {"org": org.id})
    assert_error(response, 400)
    response.content.decode("utf-8")  # valid UTF-8: the surrogate did not reach the bytes
    assert counts() == before
