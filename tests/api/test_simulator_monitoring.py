"""/simulator/health|activity|metrics/{id}: real checks, a filterable log, numbers that add up."""

from datetime import timedelta

import pytest
from celery import current_app
from django.test import override_settings
from django.utils import timezone

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.activity import log_event
from simulator_app.services.tick import run_tick

from .conftest import SMALL_BUILDING_POINTS, assert_error
from .test_bulk_values import BROKEN_PRIMARY


def url(op, simulator, query=""):
    return f"/simulator/{op}/{simulator.poller_id}{query}"


@pytest.fixture
def running(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    return simulator


def ticked(simulator, *nows):
    return [run_tick(simulator.poller_id, now=now) for now in nows]


# --- health ------------------------------------------------------------------------------

def test_a_stopped_simulator_with_everything_reachable_is_healthy(api, simulator):
    response = api.get(url("health", simulator))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["simulator_status"], body["reasons"]) == (
        "healthy", "stopped", [])
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"] and checks["last_tick"]["ok"]
    assert [(d["key"], d["primary"], d["reachable"]) for d in checks["value_databases"]] == [
        ("default", True, True)]


def test_a_running_simulator_that_just_ticked_is_healthy(api, running):
    (result,) = ticked(running, timezone.now())
    assert result.outcome == "generated"
    body = api.get(url("health", running)).json()
    assert body["status"] == "healthy"
    assert body["checks"]["last_tick"]["age_seconds"] < 15 * 60 + 5


def test_a_running_simulator_whose_last_tick_is_old_is_unhealthy(api, running):
    ticked(running, timezone.now() - timedelta(hours=2))
    response = api.get(url("health", running))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert not body["checks"]["last_tick"]["ok"]
    assert body["checks"]["last_tick"]["max_age_seconds"] == 1800
    assert any("old" in reason for reason in body["reasons"])


def test_a_running_simulator_that_never_ticked_long_after_its_start_is_unhealthy(api, running):
    ActivityLog.objects.filter(simulator_id=running.poller_id, event_type="start").update(
        timestamp=timezone.now() - timedelta(hours=1))
    assert api.get(url("health", running)).status_code == 503


def test_a_simulator_in_error_is_unhealthy_with_its_message(api, running):
    SimulatorState.objects.filter(simulator_id=running.poller_id).update(
        status="error", error_message="PrimaryDatabaseError: primary down")
    response = api.get(url("health", running))
    assert response.status_code == 503
    assert any("primary down" in reason for reason in response.json()["reasons"])


def test_an_unreachable_broker_makes_it_unhealthy(api, simulator, monkeypatch):
    monkeypatch.setattr(current_app.conf, "broker_write_url", "redis://127.0.0.1:1/0")
    response = api.get(url("health", simulator))
    assert response.status_code == 503
    body = response.json()
    assert not body["checks"]["broker"]["ok"] and body["checks"]["broker"]["error"]
    assert any(reason.startswith("broker unreachable") for reason in body["reasons"])


def test_an_unreachable_primary_value_database_makes_it_unhealthy(api, simulator):
    with override_settings(HSIM_VALUE_DATABASES=BROKEN_PRIMARY):
        response = api.get(url("health", simulator))
    assert response.status_code == 503
    (primary,) = response.json()["checks"]["value_databases"]
    assert (primary["status"], primary["reachable"]) == ("error", False)
    assert primary["last_error"]


def test_a_failing_secondary_value_database_only_degrades_it(api, simulator):
    databases = [{"key": "default", "url": "default", "primary": True},
                 {"key": "replica", "url": "postgresql://postgres@127.0.0.1:1/none",
                  "primary": False}]
    with override_settings(HSIM_VALUE_DATABASES=databases):
        response = api.get(url("health", simulator))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert any("replica" in reason for reason in body["reasons"])


# --- activity ----------------------------------------------------------------------------

def test_activity_is_newest_first_and_filters_by_event_type(api, running):
    ticked(running, timezone.now())
    api.post(url("stop", running))
    body = api.get(url("activity", running)).json()
    assert [e["event_type"] for e in body["results"]] == ["stop", "generation", "start"]
    only = api.get(url("activity", running, "?event_type=generation")).json()["results"]
    assert [e["event_type"] for e in only] == ["generation"]
    assert only[0]["details"]["rows"] > 0 and only[0]["simulator_id"] == running.poller_id


def test_activity_filters_by_time_range(api, simulator):
    base = timezone.now() - timedelta(days=3)
    for day in range(3):
        entry = log_event(simulator.poller_id, "config_change", f"day {day}")
        ActivityLog.objects.filter(pk=entry.pk).update(timestamp=base + timedelta(days=day))
    start = (base + timedelta(hours=12)).isoformat().replace("+00:00", "Z")
    end = (base + timedelta(days=2)).isoformat().replace("+00:00", "Z")
    body = api.get(url("activity", simulator), {"start_time": start, "end_time": end}).json()
    assert [e["message"] for e in body["results"]] == ["day 1"]


def test_activity_pages_by_cursor_without_repeating_events_that_arrive_meanwhile(api,
                                                                                simulator):
    for i in range(5):
        log_event(simulator.poller_id, "config_change", f"change {i}")
    first = api.get(url("activity", simulator, "?page_size=2")).json()
    log_event(simulator.poller_id, "config_change", "arrived while paging")
    seen = [e["message"] for e in first["results"]]
    page = first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [e["message"] for e in page["results"]]
    assert seen == [f"change {i}" for i in range(4, -1, -1)]


@pytest.mark.parametrize("query, field", [
    ("?event_type=party", "event_type"),
    ("?start_time=yesterday", "start_time"),
    ("?start_time=2026-03-02T00:00:00Z&end_time=2026-03-01T00:00:00Z", "end_time"),
])
def test_a_bad_activity_filter_is_a_400(api, simulator, query, field):
    assert_error(api.get(url("activity", simulator, query)), 400, field=field)


def test_a_forged_cursor_is_a_404(api, simulator):
    assert_error(api.get(url("activity", simulator, "?cursor=not-a-cursor")), 404,
                 text="cursor")


# --- metrics -----------------------------------------------------------------------------

def test_metrics_add_up_the_ticks(api, running):
    now = timezone.now()
    first, catch_up = ticked(running, now - timedelta(hours=1), now)
    assert catch_up.intervals == 4
    body = api.get(url("metrics", running)).json()
    assert body["status"] == "running" and body["points"] == SMALL_BUILDING_POINTS
    assert body["total_runs"] == 2
    assert body["total_rows"] == first.rows + catch_up.rows
    assert body["total_intervals"] == 5
    assert body["last_run"]["event_type"] == "gap_fill"
    assert body["last_run"]["rows"] == catch_up.rows
    assert body["last_run"]["duration_ms"] == catch_up.duration_ms
    window = body["window"]
    assert window["runs"] == 2 and window["rows"] == body["total_rows"]
    assert window["duration_ms_p50"] <= window["duration_ms_p99"]
    assert window["rows_per_interval"] == round(body["total_rows"] / 5, 1)
    state = SimulatorState.objects.get(simulator_id=running.poller_id)
    assert body["last_run_timestamp"] == state.last_run_timestamp.isoformat().replace(
        "+00:00", "Z")
    assert 0 <= body["lag_seconds"] < 15 * 60 + 60
    assert body["running_since"] is not None
    assert body["databases"][0]["reachable"] is True


def test_metrics_count_errors_of_the_last_day(api, running):
    log_event(running.poller_id, "error", "old", error="x")
    ActivityLog.objects.filter(event_type="error").update(
        timestamp=timezone.now() - timedelta(days=2))
    log_event(running.poller_id, "error", "recent", error="y")
    assert api.get(url("metrics", running)).json()["error_count_24h"] == 1


def test_metrics_start_over_after_a_reset(api, running):
    ticked(running, timezone.now())
    api.post(url("reset", running))
    body = api.get(url("metrics", running)).json()
    assert body["since"] is not None
    assert (body["total_runs"], body["total_rows"], body["last_run"]) == (0, 0, None)
    assert body["lag_seconds"] is None and body["status"] == "stopped"
