"""/api/simulators/ and /api/orgs/: conventional resources over the same services."""

import pytest
from django_celery_beat.models import PeriodicTask

from simulator_app.models import Simulator, SimulatorState
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING, assert_error, counts

SIMULATOR_KEYS = {"poller_id", "org_id", "name", "run_status", "last_run_timestamp",
                  "interval_minutes", "building_config", "created_at"}


def test_it_creates_a_simulator(api, org):
    response = api.post("/api/simulators/", {"org_id": org.id, "name": "Wing",
                                             "building_config": SMALL_BUILDING,
                                             "interval_minutes": 5}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == SIMULATOR_KEYS
    assert (body["name"], body["interval_minutes"], body["run_status"]) == ("Wing", 5, "stopped")
    assert Simulator.objects.filter(poller_id=body["poller_id"], org_id=org.id).exists()
    assert SimulatorState.objects.filter(simulator_id=body["poller_id"]).exists()


@pytest.mark.parametrize("change, field, text", [
    ({"interval_minutes": 0}, "interval_minutes", "divides a day"),
    ({"interval_minutes": 25}, "interval_minutes", "divides a day"),
    ({"interval_minutes": True}, "interval_minutes", "integer"),
    ({"name": ""}, "name", "blank"),
    ({"building_config": {"site": {"floors": -1}}}, "building_config.site.floors", "greater"),
    ({"building_config": {"seed": "lucky"}}, "building_config.seed", "integer"),
    ({"org_id": None}, "org_id", "null"),
])
def test_a_bad_simulator_is_a_400_that_creates_nothing(api, org, change, field, text):
    payload = {"org_id": org.id, "name": "Wing", "building_config": SMALL_BUILDING, **change}
    before = counts()
    assert_error(api.post("/api/simulators/", payload, format="json"), 400, field=field,
                 text=text)
    assert counts() == before


def test_it_lists_and_retrieves_only_the_callers_simulators(api, simulator, other_org):
    create_simulator(other_org, "Elsewhere", SMALL_BUILDING, 15)
    listed = api.get("/api/simulators/").json()
    assert [s["poller_id"] for s in listed["results"]] == [simulator.poller_id]
    assert listed["count"] == 1 and listed["next"] is None
    body = api.get(f"/api/simulators/{simulator.poller_id}/").json()
    assert body["name"] == "Annex" and body["org_id"] == simulator.org_id


def test_the_actions_drive_the_same_lifecycle(api, simulator):
    base = f"/api/simulators/{simulator.poller_id}"
    assert api.post(f"{base}/start/").json()["status"] == "running"
    assert_error(api.post(f"{base}/start/"), 409)
    assert api.post(f"{base}/state/", {"interval_minutes": 30}, format="json").json()[
        "config"]["interval_minutes"] == 30
    assert api.get(f"{base}/state/").json()["status"] == "running"
    assert api.post(f"{base}/stop/").json()["status"] == "stopped"
    assert api.post(f"{base}/reset/", {"clear_data": True}, format="json").status_code == 200
    assert api.get(f"{base}/health/").json()["simulator_status"] == "stopped"
    assert api.get(f"{base}/metrics/").json()["since"] is not None
    assert [e["event_type"] for e in api.get(f"{base}/activity/").json()["results"]] == [
        "reset", "stop", "config_change", "start"]


def test_delete_unschedules_and_hides_the_simulator(api, simulator):
    api.post(f"/api/simulators/{simulator.poller_id}/start/")
    assert api.delete(f"/api/simulators/{simulator.poller_id}/").status_code == 204
    assert Simulator.objects.get(pk=simulator.pk).status == "inactive"
    assert not PeriodicTask.objects.filter(name=f"simulator:{simulator.poller_id}").exists()
    assert_error(api.get(f"/api/simulators/{simulator.poller_id}/"), 404)
    assert_error(api.get(f"/poller/{simulator.poller_id}"), 404)


def test_orgs_lists_the_callers_organisations(api, org, other_org):
    assert [o["id"] for o in api.get("/api/orgs/").json()["results"]] == [org.id]
    assert api.get(f"/api/orgs/{org.id}/").json()["value_table"] == org.value_table
    assert_error(api.get(f"/api/orgs/{other_org.id}/"), 404)
