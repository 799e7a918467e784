"""A worker clock that jumped forward is not trusted past a small tolerance of the database's."""

from datetime import timedelta

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services.clock import database_now
from simulator_app.services.intervals import floor_to_interval, from_epoch, to_epoch
from simulator_app.services.metrics import simulator_metrics
from simulator_app.services.tick import run_tick


def test_a_clock_two_hours_ahead_generates_only_up_to_the_databases_clock(running, settings):
    settings.HSIM_CLOCK_TOLERANCE_SECONDS = 120
    db_now = database_now()
    run_tick(running.poller_id, now=db_now - timedelta(hours=1))

    result = run_tick(running.poller_id, now=db_now + timedelta(hours=2))

    newest_due = from_epoch(floor_to_interval(to_epoch(database_now()), 900))
    state = SimulatorState.objects.get(simulator_id=running.poller_id)
    assert state.last_run_timestamp <= newest_due  # nothing in the database's future
    assert result.intervals <= 5  # one hour and a bit of 15-minute intervals, not 12
    (event,) = ActivityLog.objects.filter(simulator_id=running.poller_id, event_type="clock_skew")
    assert event.details["ahead_seconds"] > 7000
    assert simulator_metrics(running, probe_databases=False)["clock_skew_events_24h"] == 1


def test_a_clock_within_the_tolerance_is_trusted(running, settings):
    settings.HSIM_CLOCK_TOLERANCE_SECONDS = 120
    now = database_now() + timedelta(seconds=30)

    run_tick(running.poller_id, now=now)

    state = SimulatorState.objects.get(simulator_id=running.poller_id)
    assert state.last_run_timestamp == from_epoch(floor_to_interval(to_epoch(now), 900))
    assert not ActivityLog.objects.filter(event_type="clock_skew",
                                          simulator_id=running.poller_id).exists()


def test_a_skewed_clock_is_logged_once_per_period_not_on_every_tick(running, settings):
    settings.HSIM_CLOCK_TOLERANCE_SECONDS = 60
    for _ in range(3):
        run_tick(running.poller_id, now=database_now() + timedelta(hours=3))

    assert ActivityLog.objects.filter(simulator_id=running.poller_id,
                                      event_type="clock_skew").count() == 1
