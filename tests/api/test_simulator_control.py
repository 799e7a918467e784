"""/simulator/state|start|stop|reset/{id}: validated changes, 409 for illegal transitions."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from simulator_app.models import ActivityLog, Simulator, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.tick import run_tick

from .conftest import SMALL_BUILDING, assert_error, counts
from .test_bulk_values import stored


def url(op, simulator):
    return f"/simulator/{op}/{simulator.poller_id}"


def status_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id).status


def events(simulator, event_type):
    return ActivityLog.objects.filter(simulator_id=simulator.poller_id, event_type=event_type)


def test_it_reads_the_state(api, simulator):
    body = api.get(url("state", simulator)).json()
    assert body["simulator_id"] == simulator.poller_id
    assert body["status"] == "stopped" and body["last_run_timestamp"] is None
    assert body["config"]["interval_minutes"] == 15
    assert body["config"]["building_config"]["site"]["name"] == "Annex"
    assert body["config"]["value_table"] == simulator.org.value_table


def test_it_changes_the_interval_and_logs_config_change(api, simulator):
    response = api.post(url("state", simulator), {"interval_minutes": 60}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["config"]["interval_minutes"] == 60
    assert json.loads(Simulator.objects.get(pk=simulator.pk).config)["interval_minutes"] == 60
    change = events(simulator, "config_change").get()
    assert (change.details["previous_interval_minutes"], change.details["interval_minutes"]) == (
        15, 60)


def test_a_new_building_without_an_interval_keeps_the_current_interval(api, simulator):
    api.post(url("state", simulator), {"interval_minutes": 30}, format="json")
    building = {**SMALL_BUILDING, "site": {"name": "Annex II", "floors": 1}}
    body = api.post(url("state", simulator), {"building_config": building}, format="json").json()
    assert body["config"]["building_config"]["site"]["name"] == "Annex II"
    assert body["config"]["interval_minutes"] == 30


def test_a_running_simulator_is_rescheduled_on_an_interval_change(api, simulator):
    api.post(url("start", simulator))
    api.post(url("state", simulator), {"interval_minutes": 5}, format="json")
    task = PeriodicTask.objects.get(name=f"simulator:{simulator.poller_id}")
    assert task.enabled and task.interval.every == 5


BAD_STATE_CHANGES = [
    ({"interval_minutes": 0}, "interval_minutes", "divides a day"),
    ({"interval_minutes": -15}, "interval_minutes", "divides a day"),
    ({"interval_minutes": 7}, "interval_minutes", "divides a day"),
    ({"interval_minutes": 2880}, "interval_minutes", "divides a day"),
    ({"interval_minutes": "soon"}, "interval_minutes", "integer"),
    ({"building_config": "big"}, "building_config", "dictionary"),
    ({"building_config": {"site": {"floors": 0}}}, "building_config.site.floors", "greater"),
    ({"building_config": {"setpoints": {"occupied_heating_f": 80}}},
     "building_config.setpoints.occupied_heating_f", "below"),
    ({}, "non_field_errors", "building_config and/or interval_minutes"),
]


@pytest.mark.parametrize("change, field, text", BAD_STATE_CHANGES)
def test_a_bad_state_change_is_a_400_that_changes_nothing(api, simulator, change, field, text):
    config_before = Simulator.objects.get(pk=simulator.pk).config
    before = counts()
    assert_error(api.post(url("state", simulator), change, format="json"), 400, field=field,
                 text=text)
    assert Simulator.objects.get(pk=simulator.pk).config == config_before
    assert counts() == before


def test_start_stop_and_their_illegal_repeats(api, simulator):
    started = api.post(url("start", simulator))
    assert started.status_code == 200 and started.json()["status"] == "running"
    assert PeriodicTask.objects.get(name=f"simulator:{simulator.poller_id}").enabled
    assert_error(api.post(url("start", simulator)), 409, text="already running")
    stopped = api.post(url("stop", simulator))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert not PeriodicTask.objects.get(name=f"simulator:{simulator.poller_id}").enabled
    assert_error(api.post(url("stop", simulator)), 409, text="already stopped")
    assert [e.event_type for e in ActivityLog.objects.filter(
        simulator_id=simulator.poller_id).order_by("id")] == ["start", "stop"]


def test_start_queues_a_first_tick_after_commit(api, simulator,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.post(url("start", simulator))
    assert len(callbacks) == 1


def test_a_simulator_in_error_can_be_started_again(api, simulator):
    lifecycle.start(simulator, run_first_tick=False)
    SimulatorState.objects.filter(simulator_id=simulator.poller_id).update(
        status="error", error_message="primary down")
    body = api.post(url("start", simulator)).json()
    assert body["status"] == "running" and body["error_message"] is None


def test_reset_clears_the_state_and_with_clear_data_the_rows(api, simulator):
    lifecycle.start(simulator, run_first_tick=False)
    now = timezone.now()
    run_tick(simulator.poller_id, now=now - timedelta(hours=1))
    run_tick(simulator.poller_id, now=now)
    assert stored(simulator.org)
    kept = api.post(url("reset", simulator))  # no body: keep the rows
    assert kept.status_code == 200
    assert kept.json()["status"] == "stopped" and kept.json()["last_run_timestamp"] is None
    assert kept.json()["totalizers"] is None
    assert stored(simulator.org)
    cleared = api.post(url("reset", simulator) + "?clear_data=true")
    assert cleared.status_code == 200
    assert stored(simulator.org) == []
    assert [e.details["clear_data"] for e in events(simulator, "reset").order_by("id")] == [
        False, True]


def test_reset_takes_clear_data_from_the_body(api, simulator):
    response = api.post(url("reset", simulator), {"clear_data": True}, format="json")
    assert response.status_code == 200
    assert events(simulator, "reset").get().details["clear_data"] is True


def test_reset_refuses_a_malformed_flag(api, simulator):
    before = counts()
    assert_error(api.post(url("reset", simulator), {"clear_data": "perhaps"}, format="json"),
                 400, field="clear_data")
    assert counts() == before


def test_reset_is_a_409_while_a_tick_holds_the_lock(api, simulator, monkeypatch):
    from contextlib import contextmanager

    from simulator_app.services import lifecycle as lifecycle_module

    @contextmanager
    def held(simulator_id, wait_seconds=0):
        yield False

    monkeypatch.setattr(lifecycle_module, "simulator_lock", held)
    assert_error(api.post(url("reset", simulator)), 409, text="busy")


@pytest.mark.parametrize("op", ["state", "start", "stop", "reset"])
def test_control_of_an_unknown_simulator_is_a_404(api, op):
    assert_error(api.post(f"/simulator/{op}/99999", {}, format="json"), 404)


def test_a_poller_that_is_not_a_simulator_is_not_found_here(api, org):
    from simulator_app.services.pollers import create_poller

    bacnet = create_poller(org, "bacnet", "Field bus", {})
    assert_error(api.get(f"/simulator/state/{bacnet.poller_id}"), 404)


def test_control_actions_are_throttled(api, simulator, settings):
    settings.HSIM_API_CONTROL_THROTTLE_RATE = "2/min"
    assert api.post(url("start", simulator)).status_code == 200
    assert api.post(url("stop", simulator)).status_code == 200
    throttled = api.post(url("start", simulator))
    assert_error(throttled, 429, text="throttled")
    assert int(throttled.headers["Retry-After"]) > 0
    assert status_of(simulator) == "stopped"  # the throttled start did nothing
    assert api.get(url("state", simulator)).status_code == 200  # reads are never throttled


def test_throttling_can_be_switched_off(api, simulator, settings):
    settings.HSIM_API_CONTROL_THROTTLE_RATE = "none"
    for _ in range(4):
        api.post(url("start", simulator))
        assert api.post(url("stop", simulator)).status_code == 200
