"""The platform's poller contracts: paths, PollerConfig shapes, and bad input changing nothing."""

import json

import pytest

from simulator_app.models import PollerConfig, Simulator, SimulatorEntity, SimulatorState
from simulator_app.services.pollers import create_poller

from .conftest import SMALL_BUILDING, SMALL_BUILDING_POINTS, assert_error, counts

POLLER_KEYS = {"id", "org_id", "poller_type", "poller_id", "poller_name", "config", "status",
               "created_at"}


def simulator_payload(org, **config):
    config.setdefault("building_config", SMALL_BUILDING)
    config.setdefault("interval_minutes", 15)
    return {"org_id": org.id, "poller_type": "simulator", "poller_name": "HQ",
            "config": json.dumps(config), "status": "active"}


def test_it_lists_only_the_active_pollers_of_an_org(api, org, other_org, simulator):
    create_poller(org, "bacnet", "Old BACnet", {}, status="inactive")
    create_poller(other_org, "bacnet", "Elsewhere", {})
    response = api.get(f"/org/{org.id}/poller")
    assert response.status_code == 200
    body = response.json()
    assert [p["poller_id"] for p in body] == [simulator.poller_id]
    assert set(body[0]) == POLLER_KEYS
    assert body[0]["org_id"] == org.id and body[0]["poller_type"] == "simulator"


def test_it_returns_one_poller_with_its_config_as_json_text(api, simulator):
    response = api.get(f"/poller/{simulator.poller_id}")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body["config"], str)
    config = json.loads(body["config"])
    assert config["interval_minutes"] == 15
    assert config["building_config"]["site"]["name"] == "Annex"
    assert body["created_at"].endswith("Z")


def test_it_answers_404_for_an_inactive_or_unknown_poller(api, org):
    inactive = create_poller(org, "modbus", "Gone", {}, status="inactive")
    assert_error(api.get(f"/poller/{inactive.poller_id}"), 404)
    assert_error(api.get("/poller/987654"), 404)


def test_it_filters_pollers_by_type(api, org, simulator):
    bacnet = create_poller(org, "bacnet", "Field bus", {"host": "10.0.0.5"})
    assert [p["poller_id"] for p in api.get("/poller?type=bacnet").json()] == [bacnet.poller_id]
    assert [p["poller_id"] for p in api.get("/poller?type=simulator").json()] == [
        simulator.poller_id]
    assert api.get("/poller?type=mqtt").json() == []


def test_without_a_type_it_lists_every_active_poller_of_the_callers_orgs(api, org, other_org,
                                                                         simulator):
    mine = create_poller(org, "bacnet", "Roof", {"host": "10.0.0.7"})
    create_poller(org, "modbus", "Off", {}, status="inactive")
    create_poller(other_org, "bacnet", "Not mine", {})
    response = api.get("/poller")
    assert response.status_code == 200, response.content
    assert [p["poller_id"] for p in response.json()] == sorted(
        [simulator.poller_id, mine.poller_id])


def test_it_creates_a_plain_poller_with_the_reference_payload(api, org):
    payload = {"org_id": org.id, "poller_type": "bacnet", "poller_name": "Roof BACnet",
               "config": json.dumps({"host": "10.0.0.7", "port": 47808}), "status": "active"}
    response = api.post("/poller", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == POLLER_KEYS
    assert json.loads(body["config"]) == {"host": "10.0.0.7", "port": 47808}
    stored = PollerConfig.objects.get(poller_id=body["poller_id"])
    assert (stored.org_id, stored.poller_type, stored.poller_name) == (org.id, "bacnet",
                                                                       "Roof BACnet")


def test_it_creates_a_simulator_through_the_simulator_service(api, org):
    response = api.post("/poller", simulator_payload(org, interval_minutes=30), format="json")
    assert response.status_code == 201, response.content
    poller_id = response.json()["poller_id"]
    simulator = Simulator.objects.get(poller_id=poller_id)
    assert json.loads(simulator.config)["interval_minutes"] == 30
    assert json.loads(simulator.config)["value_table"] == org.value_table
    assert SimulatorState.objects.get(simulator_id=poller_id).status == "stopped"
    assert SimulatorEntity.objects.filter(simulator_id=poller_id, is_point=True).count() == SMALL_BUILDING_POINTS


def test_it_creates_the_default_building_when_the_config_names_none(api, org):
    payload = simulator_payload(org)
    payload["config"] = json.dumps({"interval_minutes": 60})
    response = api.post("/poller", payload, format="json")
    assert response.status_code == 201, response.content
    config = json.loads(response.json()["config"])
    assert config["building_config"]["site"]["name"] == "Downtown Office Tower"


def test_an_inactive_simulator_is_created_inactive(api, org):
    payload = simulator_payload(org)
    payload["status"] = "inactive"
    response = api.post("/poller", payload, format="json")
    assert response.status_code == 201 and response.json()["status"] == "inactive"
    assert Simulator.objects.get(poller_id=response.json()["poller_id"]).status == "inactive"


BAD_POLLERS = [
    # (change to the valid simulator payload, field named in the errors, text in the message)
    ({"poller_type": "opcua"}, "poller_type", "not a valid choice"),
    ({"poller_type": 7}, "poller_type", "not a valid choice"),
    ({"poller_name": ""}, "poller_name", "blank"),
    ({"poller_name": "x" * 256}, "poller_name", "255"),
    ({"org_id": "one"}, "org_id", "integer"),
    ({"status": "paused"}, "status", "not a valid choice"),
    ({"config": "{not json"}, "config", "not valid json"),
    ({"config": "[1, 2]"}, "config", "json object"),
    ({"config": {"interval_minutes": 15}}, "config", "string"),
    ({"config": json.dumps({"interval_minutes": 0})}, "interval_minutes", "divides a day"),
    ({"config": json.dumps({"interval_minutes": -15})}, "interval_minutes", "divides a day"),
    ({"config": json.dumps({"interval_minutes": 7})}, "interval_minutes", "divides a day"),
    ({"config": json.dumps({"interval_minutes": "15"})}, "interval_minutes", "whole number"),
    ({"config": json.dumps({"building_config": {"site": {"floors": "many"}}})},
     "building_config.site.floors", "integer"),
    ({"config": json.dumps({"building_config": {"equipment": {"ahu_count": 9},
                                                "site": {"floors": 2}}})},
     "building_config.equipment.ahu_count", "floors"),
    ({"config": json.dumps({"building_config": {"colour": "red"}})},
     "building_config.colour", "unknown field"),
    ({"config": json.dumps({"building_config": [1]})}, "config.building_config", "object"),
    ({"config": json.dumps({"interval": 15})}, "config", "unknown simulator setting"),
    ({"config": json.dumps({"building_config": {"site": {"name": "a\u0000b"}}})}, "config",
     "nul"),
]


@pytest.mark.parametrize("change, field, text", BAD_POLLERS)
def test_bad_poller_input_is_a_400_that_creates_nothing(api, org, change, field, text):
    before = counts()
    payload = {**simulator_payload(org), **change}
    assert_error(api.post("/poller", payload, format="json"), 400, field=field, text=text)
    assert counts() == before


@pytest.mark.parametrize("missing", ["org_id", "poller_type", "poller_name", "config"])
def test_a_missing_required_field_is_a_400(api, org, missing):
    payload = simulator_payload(org)
    del payload[missing]
    before = counts()
    assert_error(api.post("/poller", payload, format="json"), 400, field=missing, text="required")
    assert counts() == before


def test_it_refuses_to_create_a_poller_in_an_org_of_someone_else(api, other_org):
    before = counts()
    body = assert_error(api.post("/poller", simulator_payload(other_org), format="json"), 400,
                        field="org_id")
    assert str(other_org.id) in body["errors"]["org_id"][0]
    assert counts() == before


def test_a_malformed_json_body_is_a_400(api):
    response = api.generic("POST", "/poller", "{oops", content_type="application/json")
    assert_error(response, 400, text="json")
