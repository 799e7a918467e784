"""Who may do what, endpoint by endpoint: no token, another org's token, a viewer, a member,
staff. Other orgs' objects are 404; nothing a refused request touches changes."""

import json
from datetime import datetime, timezone

import pytest
from rest_framework.test import APIClient

from simulator_app.models import OrgMembership

from .conftest import SMALL_BUILDING, client_for, counts, make_user
from .test_bulk_values import make_entities, stored

READ, LIST, WRITE, CREATE, BULK = "read", "list", "write", "create", "bulk"


def endpoints(sim, org, entity):
    sid = sim.poller_id
    bulk = {"org_id": org.id, "values": [
        {"ts": "2026-03-02T12:00:00Z", "entity_id": entity, "value_n": 1.5}]}
    poller = {"org_id": org.id, "poller_type": "mqtt", "poller_name": "Broker",
              "config": json.dumps({"topic": "bldg/#"}), "status": "active"}
    created = {"org_id": org.id, "name": "Wing", "building_config": SMALL_BUILDING}
    return [
        ("get", f"/org/{org.id}/poller", None, READ),
        ("get", f"/poller/{sid}", None, READ),
        ("get", "/poller?type=simulator", None, LIST),
        ("post", "/poller", poller, CREATE),
        ("post", "/bulk/value", bulk, BULK),
        ("get", f"/simulator/state/{sid}", None, READ),
        ("post", f"/simulator/state/{sid}", {"interval_minutes": 30}, WRITE),
        ("post", f"/simulator/start/{sid}", None, WRITE),
        ("post", f"/simulator/stop/{sid}", None, WRITE),
        ("post", f"/simulator/reset/{sid}", None, WRITE),
        ("get", f"/simulator/health/{sid}", None, READ),
        ("get", f"/simulator/activity/{sid}", None, READ),
        ("get", f"/simulator/metrics/{sid}", None, READ),
        ("get", "/api/simulators/", None, LIST),
        ("post", "/api/simulators/", created, CREATE),
        ("get", f"/api/simulators/{sid}/", None, READ),
        ("get", f"/api/simulators/{sid}/state/", None, READ),
        ("post", f"/api/simulators/{sid}/state/", {"interval_minutes": 15}, WRITE),
        ("post", f"/api/simulators/{sid}/start/", None, WRITE),
        ("post", f"/api/simulators/{sid}/stop/", None, WRITE),
        ("post", f"/api/simulators/{sid}/reset/", {"clear_data": True}, WRITE),
        ("get", f"/api/simulators/{sid}/health/", None, READ),
        ("get", f"/api/simulators/{sid}/activity/", None, READ),
        ("get", f"/api/simulators/{sid}/metrics/", None, READ),
        ("get", "/api/orgs/", None, LIST),
        ("get", f"/api/orgs/{org.id}/", None, READ),
        ("delete", f"/api/simulators/{sid}/", None, WRITE),
    ]


EXPECTED = {
    "anonymous": {READ: 401, LIST: 401, WRITE: 401, CREATE: 401, BULK: 401},
    "outsider": {READ: 404, LIST: 200, WRITE: 404, CREATE: 400, BULK: 403},
    "viewer": {READ: 200, LIST: 200, WRITE: 403, CREATE: 403, BULK: 403},
    "member": {READ: 200, LIST: 200, WRITE: 200, CREATE: 200, BULK: 200},
    "staff": {READ: 200, LIST: 200, WRITE: 200, CREATE: 200, BULK: 200},
}


def success_code(method, path):
    if method == "delete":
        return 204
    return 201 if (method, path) in (("post", "/api/simulators/"), ("post", "/poller")) else 200


def listed(body, sim, org):
    """Whether a list response shows the org's simulator (or the org itself)."""
    body = body["results"] if isinstance(body, dict) else body  # hsim's pages: an envelope
    ids = {item.get("poller_id") for item in body} | {
        item["id"] for item in body if "key" in item}
    return sim.poller_id in ids or org.id in ids


@pytest.mark.parametrize("role", list(EXPECTED))
def test_the_auth_matrix(clients, role, simulator, org):
    (entity,) = make_entities(org, 1)
    client = clients[role]
    refused = EXPECTED[role][WRITE] != 200
    before = counts()
    for method, path, body, kind in endpoints(simulator, org, entity):
        response = getattr(client, method)(path, body, format="json")
        expected = EXPECTED[role][kind]
        if expected == 200:
            expected = success_code(method, path)
        assert response.status_code == expected, (role, method, path, response.content)
        if expected >= 400:
            assert set(response.json()) == {"detail", "errors"}
        if kind == LIST and expected == 200:
            assert listed(response.json(), simulator, org) == (role != "outsider"), path
    if refused:
        assert counts() == before
        assert stored(org) == []
    else:
        assert stored(org) != []


def test_the_health_endpoint_is_not_open_to_anonymous_callers(simulator):
    """Upstream's gateway skipped authentication for any URL containing "/health"."""
    anonymous = APIClient()
    assert anonymous.get(f"/simulator/health/{simulator.poller_id}").status_code == 401
    assert anonymous.get("/poller?type=/health").status_code == 401
    assert anonymous.get(f"/api/simulators/{simulator.poller_id}/health/").status_code == 401


def test_the_bearer_keyword_works_like_token(member, simulator):
    client = client_for(member, keyword="Bearer")
    assert client.get(f"/simulator/state/{simulator.poller_id}").status_code == 200


def test_a_wrong_or_revoked_token_is_a_401(member, simulator):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(f"/simulator/state/{simulator.poller_id}").status_code == 401
    good = client_for(member)
    member.is_active = False
    member.save()
    assert good.get(f"/simulator/state/{simulator.poller_id}").status_code == 401


def test_a_disabled_org_is_invisible_to_its_members(api, org, simulator):
    from simulator_app.models import Org

    Org.objects.filter(pk=org.pk).update(disabled_ts=datetime.now(timezone.utc))
    assert api.get(f"/simulator/state/{simulator.poller_id}").status_code == 404


def test_a_logged_in_session_gets_the_browsable_api_and_needs_csrf_to_write(member, simulator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(member)
    page = client.get("/api/simulators/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"Annex" in page.content
    refused = client.post(f"/simulator/start/{simulator.poller_id}")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_memberships_list_the_callers_role(org, other_org):
    user = make_user("both", org)
    OrgMembership.objects.create(user=user, org=other_org, role=OrgMembership.VIEWER)
    body = client_for(user).get("/api/orgs/").json()["results"]
    assert {o["id"]: o["role"] for o in body} == {org.id: "member", other_org.id: "viewer"}
