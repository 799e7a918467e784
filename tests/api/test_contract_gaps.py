"""Small contract gaps a new user met: a destructive flag takes only JSON booleans, a creation
is a 201 on both creating routes, a poller that is not a simulator says so."""

import json

import pytest

from simulator_app.models import ActivityLog
from simulator_app.services.pollers import create_poller

from .conftest import SMALL_BUILDING, assert_error


def resets(simulator):
    return ActivityLog.objects.filter(simulator_id=simulator.poller_id, event_type="reset")


@pytest.mark.parametrize("flag", ["yes", "true", "false", 1, 0, "1", None, [], {}])
def test_reset_refuses_a_clear_data_that_is_not_a_json_boolean(api, simulator, flag):
    response = api.post(f"/simulator/reset/{simulator.poller_id}", {"clear_data": flag},
                        format="json")
    assert_error(response, 400, field="clear_data", text="true or false")
    assert not resets(simulator).exists()  # nothing was reset


@pytest.mark.parametrize("body", [[], [{"clear_data": True}], "true", 1])
def test_reset_refuses_a_body_that_is_not_an_object(api, simulator, body):
    response = api.post(f"/simulator/reset/{simulator.poller_id}", body, format="json")
    assert_error(response, 400)
    assert not resets(simulator).exists()


@pytest.mark.parametrize("flag", ["yes", "1", "True", "on", ""])
def test_reset_refuses_a_query_clear_data_other_than_true_or_false(api, simulator, flag):
    response = api.post(f"/simulator/reset/{simulator.poller_id}?clear_data={flag}")
    assert_error(response, 400, field="clear_data", text="true or false")
    assert not resets(simulator).exists()


@pytest.mark.parametrize("body, query, cleared", [
    ({"clear_data": True}, "", True), ({"clear_data": False}, "", False), ({}, "", False),
    (None, "?clear_data=true", True), (None, "?clear_data=false", False),
])
def test_reset_takes_json_booleans_and_query_true_or_false(api, simulator, body, query,
                                                            cleared):
    response = api.post(f"/simulator/reset/{simulator.poller_id}{query}", body, format="json")
    assert response.status_code == 200, response.content
    assert resets(simulator).get().details["clear_data"] is cleared


def test_both_creating_routes_answer_201(api, org):
    poller = api.post("/poller", {
        "org_id": org.id, "poller_type": "simulator", "poller_name": "Via poller",
        "config": json.dumps({"building_config": SMALL_BUILDING})}, format="json")
    resource = api.post("/api/simulators/", {"org_id": org.id, "name": "Via resource",
                                             "building_config": SMALL_BUILDING}, format="json")
    plain = api.post("/poller", {"org_id": org.id, "poller_type": "bacnet",
                                 "poller_name": "Bus", "config": "{}"}, format="json")
    assert (poller.status_code, resource.status_code, plain.status_code) == (201, 201, 201)


def test_the_schema_documents_201_for_post_poller(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "201" in schema["paths"]["/poller"]["post"]["responses"]
    assert "200" not in schema["paths"]["/poller"]["post"]["responses"]


def test_get_poller_without_a_type_lists_every_type(api, org, simulator):
    bus = create_poller(org, "bacnet", "Bus", {})
    listed = {p["poller_id"]: p["poller_type"] for p in api.get("/poller").json()}
    assert listed == {simulator.poller_id: "simulator", bus.poller_id: "bacnet"}
    assert [p["poller_id"] for p in api.get("/poller?type=bacnet").json()] == [bus.poller_id]


@pytest.mark.parametrize("path", ["/simulator/state/{id}", "/simulator/metrics/{id}",
                                  "/simulator/activity/{id}", "/api/simulators/{id}/"])
def test_a_poller_that_is_not_a_simulator_says_so(api, org, path):
    bus = create_poller(org, "bacnet", "Bus", {})
    body = assert_error(api.get(path.format(id=bus.poller_id)), 404)
    assert "'bacnet' poller, not a simulator" in body["detail"]


def test_another_orgs_poller_is_still_just_not_found(api, other_org):
    """Saying what a poller is would leak it: outside your orgs it does not exist."""
    bus = create_poller(other_org, "bacnet", "Bus", {})
    body = assert_error(api.get(f"/simulator/state/{bus.poller_id}"), 404)
    assert "bacnet" not in body["detail"] and "not found" in body["detail"]


def test_starting_a_non_simulator_poller_says_so(api, org):
    bus = create_poller(org, "bacnet", "Bus", {})
    assert_error(api.post(f"/simulator/start/{bus.poller_id}"), 404, text="not a simulator")
