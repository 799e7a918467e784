"""/api/fleets/: define a fleet (202), the task makes its buildings; org isolation."""

from simulator_app import tasks
from simulator_app.models import Fleet, Simulator, SimulatorState
from simulator_app.models.state import RUNNING

from .conftest import SMALL_BUILDING, assert_error, counts


def test_defining_a_fleet_answers_202_and_the_task_makes_its_buildings(
        api, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = api.post("/api/fleets/", {"org_id": org.id, "name": "Port", "size": 3,
                                             "seed": 8, "template": SMALL_BUILDING,
                                             "presets": ["houston"]}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["size"], body["members"], body["seed"]) == (3, 0, 8)
    assert len(queued) == 1  # the grow task, sent once the fleet is committed
    result = tasks.fleet_action(body["id"], "grow")
    assert result == {"fleet": body["id"], "grow": 3, "more": False}
    detail = api.get(f"/api/fleets/{body['id']}/").json()
    assert detail["members"] == 3
    names = set(Simulator.objects.filter(org=org).values_list("poller_name", flat=True))
    assert names == {"Port 00001", "Port 00002", "Port 00003"}
    listed = api.get("/api/fleets/").json()
    assert [f["name"] for f in listed["results"]] == ["Port"]


def test_starting_a_selection_runs_only_those_buildings(api, org):
    fleet_id = api.post("/api/fleets/", {"org_id": org.id, "name": "Sel", "size": 2,
                                         "template": SMALL_BUILDING}, format="json").json()["id"]
    tasks.fleet_action(fleet_id, "grow")
    assert api.post(f"/api/fleets/{fleet_id}/start/", {"indexes": [1]},
                    format="json").status_code == 202
    tasks.fleet_action(fleet_id, "start", [1])
    fleet = Fleet.objects.get(pk=fleet_id)
    ids = [m.simulator_id for m in fleet.members.order_by("index")]
    status = dict(SimulatorState.objects.filter(simulator_id__in=ids)
                  .values_list("simulator_id", "status"))
    assert [status[i] for i in ids] == ["stopped", RUNNING]
    assert api.get(f"/api/fleets/{fleet_id}/").json()["running"] == 1


def test_a_bad_fleet_is_a_400_naming_the_field_and_creates_nothing(api, org):
    before = counts()
    for body, field in [
        ({"size": 0}, "size"),
        ({"template": {"site": {"floors": 0}}}, "template.site.floors"),
        ({"presets": ["atlantis"]}, "presets.0"),
        ({"seed": -3}, "seed"),
    ]:
        response = api.post("/api/fleets/", {"org_id": org.id, "name": "Bad", "size": 2,
                                             **body}, format="json")
        assert_error(response, 400, field)
    assert counts() == before and not Fleet.objects.exists()


def test_another_orgs_fleet_is_not_found(clients, org):
    fleet_id = clients["member"].post("/api/fleets/", {"org_id": org.id, "name": "Mine",
                                                       "size": 1}, format="json").json()["id"]
    outsider = clients["outsider"]
    assert_error(outsider.get(f"/api/fleets/{fleet_id}/"), 404)
    assert_error(outsider.post(f"/api/fleets/{fleet_id}/stop/", {}, format="json"), 404)
    assert outsider.get("/api/fleets/").json()["results"] == []
    assert_error(clients["viewer"].post(f"/api/fleets/{fleet_id}/start/", {}, format="json"), 403)
    assert_error(outsider.post("/api/fleets/", {"org_id": org.id, "name": "X", "size": 1},
                               format="json"), 400, "org_id")
