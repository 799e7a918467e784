"""POST /bulk/value: the platform's payload through hsim's write path to every value database."""

from datetime import datetime, timedelta, timezone

import pytest
from django.test import override_settings
from django.utils import timezone as dj_timezone

from simulator_app.models import Entity, OrgEntityPermission
from simulator_app.services.value_databases import multi_writer

from .conftest import assert_error

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
BROKEN_PRIMARY = [{"key": "primary", "url": "postgresql://postgres@127.0.0.1:1/none",
                   "primary": True}]


def make_entities(org, n=3, disabled=False):
    entities = Entity.objects.bulk_create(
        [Entity(value_table_id=org.key, disabled_ts=dj_timezone.now() if disabled else None)
         for _ in range(n)])
    OrgEntityPermission.objects.bulk_create(
        [OrgEntityPermission(org_id=org.id, entity_id=e.id) for e in entities])
    return [e.id for e in entities]


def stored(org, current=False):
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(org.key, current=current)
    finally:
        writer.close()
    return sorted(
        (int(e), int(t)) for e, t in zip(rows.entity_id.tolist(), rows.ts.tolist()))


def value(entity_id, ts=T0, **extra):
    return {"ts": ts.isoformat().replace("+00:00", "Z"), "entity_id": entity_id,
            "value_n": 72.5, "value_b": None, "value_s": None, "value_ts": None, **extra}


def post(client, org, values):
    return client.post("/bulk/value", {"org_id": org.id, "values": values}, format="json")


def test_it_writes_the_values_and_returns_them(api, org):
    a, b = make_entities(org, 2)
    values = [value(a), value(b, value_n=None, value_b=True, status="stale"),
              value(a, T0 + timedelta(minutes=15), value_s="on", value_ts="2026-03-01T00:00:00Z")]
    response = post(api, org, values)
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body) == 3
    by_key = {(v["entity_id"], v["ts"]): v for v in body}
    assert by_key[(b, "2026-03-02T12:00:00Z")]["value_b"] is True
    assert by_key[(b, "2026-03-02T12:00:00Z")]["status"] == "stale"
    assert by_key[(a, "2026-03-02T12:15:00Z")]["value_s"] == "on"
    assert by_key[(a, "2026-03-02T12:15:00Z")]["value_ts"] == "2026-03-01T00:00:00Z"
    assert len(stored(org)) == 3
    assert [e for e, _ in stored(org, current=True)] == sorted([a, b])


def test_a_batch_with_many_timestamps_for_the_same_entities_passes(api, org):
    """Upstream compared distinct visible entities with the ids *with* duplicates: 403."""
    entities = make_entities(org, 3)
    values = [value(e, T0 + timedelta(minutes=15 * i)) for i in range(96) for e in entities]
    response = post(api, org, values)
    assert response.status_code == 200, response.content
    assert len(stored(org)) == 288


def test_duplicate_keys_in_one_batch_keep_the_last_value(api, org):
    (a,) = make_entities(org, 1)
    response = post(api, org, [value(a, value_n=1.0), value(a, value_n=2.0)])
    assert response.status_code == 200
    assert [v["value_n"] for v in response.json()] == [2.0]


def test_offsets_are_converted_to_utc(api, org):
    (a,) = make_entities(org, 1)
    response = post(api, org, [value(a) | {"ts": "2026-03-02T07:00:00-05:00"}])
    assert response.json()[0]["ts"] == "2026-03-02T12:00:00Z"


def test_it_writes_to_every_value_database(api, org, tmp_path):
    databases = [{"key": "default", "url": "default", "primary": True},
                 {"key": "mirror", "url": f"sqlite:///{tmp_path / 'mirror.sqlite3'}",
                  "primary": False}]
    (a,) = make_entities(org, 1)
    with override_settings(HSIM_VALUE_DATABASES=databases):
        assert post(api, org, [value(a)]).status_code == 200
        writer = multi_writer()
        try:
            mirrored = writer.secondaries[0].read_rows(org.key)
        finally:
            writer.close()
    assert mirrored.entity_id.tolist() == [a]


@pytest.mark.parametrize("whose", ["other_org", "nobody", "disabled"])
def test_an_entity_the_org_cannot_see_is_a_403_and_nothing_is_written(
        api, org, other_org, whose):
    (mine,) = make_entities(org, 1)
    if whose == "other_org":
        (foreign,) = make_entities(other_org, 1)
    elif whose == "nobody":
        foreign = Entity.objects.create(value_table_id=org.key).id
    else:
        (foreign,) = make_entities(org, 1, disabled=True)
    body = assert_error(post(api, org, [value(mine), value(foreign)]), 403, field="entity_id")
    assert str(foreign) in body["errors"]["entity_id"][0]
    assert str(mine) not in body["errors"]["entity_id"][0]
    assert stored(org) == []


def test_writing_for_an_org_of_someone_else_is_a_403(clients, org, other_org):
    (foreign,) = make_entities(other_org, 1)
    assert_error(post(clients["outsider"], org, [value(foreign)]), 403)
    assert_error(post(clients["viewer"], org, [value(make_entities(org, 1)[0])]), 403)
    assert stored(org) == []


def test_staff_may_write_for_any_org(clients, org):
    (a,) = make_entities(org, 1)
    assert post(clients["staff"], org, [value(a)]).status_code == 200


def test_a_primary_failure_is_a_503_and_nothing_is_written(api, org):
    (a,) = make_entities(org, 1)
    with override_settings(HSIM_VALUE_DATABASES=BROKEN_PRIMARY):
        body = assert_error(post(api, org, [value(a)]), 503)
    assert body["detail"].startswith("Primary database unavailable:")
    assert stored(org) == []


BAD_VALUES = [
    ({"ts": "yesterday"}, "values.0.ts", "iso 8601"),
    ({"ts": 1700000000}, "values.0.ts", "iso 8601"),
    ({"ts": None}, "values.0.ts", "required"),
    ({"ts": "0001-01-01T00:00:00+01:00"}, "values.0.ts", "between the years"),
    ({"ts": "1850-01-01T00:00:00Z"}, "values.0.ts", "between the years"),
    ({"entity_id": "12"}, "values.0.entity_id", "integer"),
    ({"entity_id": 2**31}, "values.0.entity_id", "32-bit"),
    ({"entity_id": True}, "values.0.entity_id", "integer"),
    ({"value_n": "72.5"}, "values.0.value_n", "number"),
    ({"value_n": 10**400}, "values.0.value_n", "finite"),
    ({"value_b": "yes"}, "values.0.value_b", "boolean"),
    ({"value_s": 5}, "values.0.value_s", "string"),
    ({"value_s": "a\u0000b"}, "values.0.value_s", "nul"),
    ({"value_ts": "soon"}, "values.0.value_ts", "iso 8601"),
    ({"status": ["ok"]}, "values.0.status", "string"),
    ({"valu_n": 1}, "values.0.valu_n", "unknown field"),
]


@pytest.mark.parametrize("change, field, text", BAD_VALUES)
def test_a_malformed_value_is_a_400_naming_it_and_nothing_is_written(api, org, change, field,
                                                                   text):
    (a,) = make_entities(org, 1)
    good = value(a, T0 - timedelta(minutes=15))
    assert_error(post(api, org, [good, value(a) | change][::-1]), 400, field=field, text=text)
    assert stored(org) == []


@pytest.mark.parametrize("payload, field", [
    ({"values": []}, "org_id"),
    ({"org_id": "x", "values": []}, "org_id"),
    ({"org_id": 0, "values": []}, "org_id"),
    ({"org_id": "ORG"}, "values"),
    ({"org_id": "ORG", "values": {"ts": "2026-01-01"}}, "values"),
    ({"org_id": "ORG", "values": ["a value"]}, "values.0"),
])
def test_a_malformed_envelope_is_a_400(api, org, payload, field):
    payload = {k: org.id if v == "ORG" else v for k, v in payload.items()}
    assert_error(api.post("/bulk/value", payload, format="json"), 400, field=field)


def test_too_many_values_is_a_413_and_nothing_is_written(api, org, settings):
    settings.HSIM_BULK_MAX_VALUES = 2
    (a,) = make_entities(org, 1)
    values = [value(a, T0 + timedelta(minutes=15 * i)) for i in range(3)]
    assert_error(post(api, org, values), 413, text="at most 2 values")
    assert stored(org) == []


def test_too_large_a_body_is_a_413_before_it_is_read(api, org, settings):
    settings.HSIM_BULK_MAX_BYTES = 1000
    (a,) = make_entities(org, 1)
    values = [value(a, T0 + timedelta(minutes=15 * i)) for i in range(20)]
    assert_error(post(api, org, values), 413, text="exceeds 1000")
    assert stored(org) == []


def test_an_empty_batch_writes_nothing_and_answers_an_empty_list(api, org):
    response = post(api, org, [])
    assert response.status_code == 200 and response.json() == []
