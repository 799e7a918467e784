"""The whole loop over HTTP with a service account's token: create, start, tick, watch the
rows and metrics, stop, reset with clear_data and see the rows gone."""

import json
from io import StringIO

from django.core.management import call_command
from rest_framework.test import APIClient

from simulator_app.services.tick import run_tick

from .conftest import SMALL_BUILDING
from .test_bulk_values import stored


def service_client(org):
    out = StringIO()
    call_command("hsim_issue_token", "--org", org.key, "--name", "loop", stdout=out,
                 stderr=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().split()[-1]}")
    return client


def test_it_runs_the_full_loop_over_http(org, django_capture_on_commit_callbacks):
    api = service_client(org)
    created = api.post("/poller", {
        "org_id": org.id, "poller_type": "simulator", "poller_name": "Loop",
        "config": json.dumps({"building_config": SMALL_BUILDING, "interval_minutes": 15}),
        "status": "active"}, format="json")
    assert created.status_code == 201, created.content
    sid = created.json()["poller_id"]
    assert [p["poller_id"] for p in api.get("/poller?type=simulator").json()] == [sid]

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert api.post(f"/simulator/start/{sid}").json()["status"] == "running"
    assert len(queued) == 1  # the first tick; a worker would run it, the test runs it here
    tick = run_tick(sid)
    assert tick.outcome == "generated" and tick.rows > 0

    state = api.get(f"/simulator/state/{sid}").json()
    assert state["last_run_timestamp"] is not None and state["totalizers"]
    rows = stored(org)
    assert len(rows) == tick.rows
    metrics = api.get(f"/simulator/metrics/{sid}").json()
    assert (metrics["total_rows"], metrics["total_runs"], metrics["total_intervals"]) == (
        tick.rows, 1, 1)
    assert metrics["lag_seconds"] is not None
    assert api.get(f"/simulator/health/{sid}").json()["status"] == "healthy"
    generation = api.get(f"/simulator/activity/{sid}?event_type=generation").json()["results"]
    assert generation[0]["details"]["rows"] == tick.rows

    assert api.post(f"/simulator/stop/{sid}").json()["status"] == "stopped"
    reset = api.post(f"/simulator/reset/{sid}", {"clear_data": True}, format="json").json()
    assert (reset["status"], reset["last_run_timestamp"]) == ("stopped", None)
    assert stored(org) == []
    assert api.get(f"/simulator/metrics/{sid}").json()["total_rows"] == 0
