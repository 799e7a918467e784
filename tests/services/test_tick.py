import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import lifecycle, schedule
from simulator_app.services.intervals import to_epoch
from simulator_app.services.tick import run_tick

from .conftest import T0, expected_rows, stored_rows

H = timedelta(hours=1)


def state_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id)


def test_a_stopped_simulator_does_not_generate(simulator):
    assert run_tick(simulator.poller_id, now=T0).outcome == "not_running"
    assert stored_rows(simulator) == []


def test_a_first_tick_writes_the_current_interval_and_advances_the_state(running):
    result = run_tick(running.poller_id, now=T0 + timedelta(minutes=7))
    assert (result.outcome, result.intervals) == ("generated", 1)
    state = state_of(running)
    assert state.last_run_timestamp == T0
    assert state.engine_state and state.totalizers
    rows = stored_rows(running)
    assert len(rows) == result.rows > 200
    assert {ts for _, ts, *_ in rows} == {to_epoch(T0) * 1_000_000}
    log = ActivityLog.objects.filter(simulator_id=running.poller_id, event_type="generation")
    assert log.count() == 1 and log[0].details["rows"] == result.rows


def test_a_repeated_tick_changes_nothing(running):
    run_tick(running.poller_id, now=T0)
    before, state_before = stored_rows(running), state_of(running).engine_state
    assert run_tick(running.poller_id, now=T0 + timedelta(minutes=10)).outcome == "nothing_due"
    assert stored_rows(running) == before
    assert state_of(running).engine_state == state_before


def test_downtime_is_filled_with_exactly_the_rows_uninterrupted_ticks_produce(running):
    run_tick(running.poller_id, now=T0)
    result = run_tick(running.poller_id, now=T0 + 3 * H + timedelta(minutes=1))
    assert result.intervals == 12 and result.remaining == 0
    assert ActivityLog.objects.filter(simulator_id=running.poller_id, event_type="gap_fill").exists()
    rows = stored_rows(running)
    timestamps = sorted({ts for _, ts, *_ in rows})
    assert len(timestamps) == 13
    assert all(b - a == 900_000_000 for a, b in zip(timestamps, timestamps[1:]))
    assert rows == expected_rows(running, T0, T0 + 3 * H + timedelta(minutes=15))


def test_one_tick_catches_up_at_most_the_cap(running, settings):
    settings.HSIM_MAX_INTERVALS_PER_TICK = 4
    run_tick(running.poller_id, now=T0)
    result = run_tick(running.poller_id, now=T0 + 2 * H)
    assert (result.intervals, result.remaining) == (4, 4)
    assert state_of(running).last_run_timestamp == T0 + H


def test_a_primary_failure_leaves_the_state_untouched_and_the_simulator_in_error(running):
    run_tick(running.poller_id, now=T0)
    before = state_of(running)
    broken = [{"key": "primary", "url": "postgresql://postgres@127.0.0.1:1/none", "primary": True}]
    with override_settings(HSIM_VALUE_DATABASES=broken):
        result = run_tick(running.poller_id, now=T0 + H)
    assert result.outcome == "error"
    after = state_of(running)
    assert after.status == "error" and "primary" in after.error_message.lower()
    assert after.last_run_timestamp == before.last_run_timestamp
    assert after.engine_state == before.engine_state
    assert not schedule.is_enabled(running.poller_id)
    error = ActivityLog.objects.get(simulator_id=running.poller_id, event_type="error")
    assert error.details["primary"] is True
    # An errored simulator writes nothing further until it is started again ...
    assert run_tick(running.poller_id, now=T0 + 2 * H).outcome == "not_running"
    # ... and a start resumes and fills the gap the error left.
    lifecycle.start(running, run_first_tick=False)
    assert run_tick(running.poller_id, now=T0 + 2 * H).intervals == 8
    assert stored_rows(running) == expected_rows(running, T0, T0 + 2 * H + timedelta(minutes=15))


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ticks_never_double_advance_totalizers(clean_core, unique_key):
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    simulator = create_simulator(create_org(unique_key("cc")), "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)
    barrier, results = threading.Barrier(2), []

    def tick():
        try:
            barrier.wait()
            results.append(run_tick(simulator.poller_id, now=T0 + 6 * H).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (["busy", "generated"], ["generated", "nothing_due"])
    state = state_of(simulator)
    assert state.last_run_timestamp == T0 + 6 * H
    # Totalizers equal one uninterrupted generation over the same window.
    assert stored_rows(simulator) == expected_rows(simulator, T0, T0 + 6 * H + timedelta(minutes=15))


@pytest.mark.parametrize("before, after", [(15, 60), (60, 15)])
def test_ticks_continue_on_the_new_grid_after_an_interval_change(org, before, after):
    from simulator_app.services.simulators import create_simulator, update_config

    simulator = create_simulator(org, f"Every {before}", None, before)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0 + 2 * H)
    totals_before = state_of(simulator).totalizers
    update_config(simulator, interval_minutes=after)
    result = run_tick(simulator.poller_id, now=T0 + 5 * H)
    assert result.outcome == "generated", result.error
    state = state_of(simulator)
    assert state.status == "running"
    stamps = sorted({ts for _, ts, *_ in stored_rows(simulator, start=T0 + 2 * H + H / 60)})
    assert stamps and all(ts % (after * 60_000_000) == 0 for ts in stamps)
    assert stamps[-1] == to_epoch(T0 + 5 * H) * 1_000_000
    for key, total in totals_before.items():
        assert state.totalizers[key] >= total  # totals carry over the change


def test_a_broken_stored_configuration_puts_the_simulator_in_error(running):
    type(running).objects.filter(pk=running.pk).update(config="{not json")
    result = run_tick(running.poller_id, now=T0)
    assert result.outcome == "error"
    assert state_of(running).status == "error"
    assert not schedule.is_enabled(running.poller_id)
    assert ActivityLog.objects.filter(simulator_id=running.poller_id, event_type="error").exists()


def test_a_tick_for_a_deleted_simulator_removes_its_schedule(running):
    schedule.enable(987654, 15)
    assert run_tick(987654, now=T0).outcome == "missing"
    assert not schedule.is_enabled(987654)
