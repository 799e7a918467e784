"""History is bounded: backfills start no earlier than the horizon (and never before 1970),
a catch-up after a long stop reaches back no further than the horizon, overlapping jobs of
one simulator are refused, and an org's queued backfill work has a quota."""

import threading
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from simulator_app.models import ActivityLog, BackfillJob, Org, SimulatorState
from simulator_app.services import backfill, lifecycle
from simulator_app.services.backfill_admission import (
    OverlappingBackfill, QueuedWorkQuotaExceeded, queued_intervals,
)
from simulator_app.services.errors import ServiceError
from simulator_app.services.intervals import to_epoch
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import run_tick

from .conftest import T0, stored_rows

UTC = timezone.utc
H = timedelta(hours=1)
DAY = timedelta(days=1)
Q = 15 * 60


def refused_field(simulator, start, end, now=T0):
    with pytest.raises(ServiceError) as info:
        backfill.create_job(simulator, start, end, now=now)
    return info.value


@pytest.mark.parametrize("start", [
    datetime(1900, 1, 1, tzinfo=UTC),  # a one-day window in 1900 was accepted
    datetime(1, 1, 1, tzinfo=UTC),  # year 1 was a 202, then an OverflowError
    T0 - timedelta(days=401),
])
def test_a_backfill_before_the_history_horizon_is_refused_naming_start(simulator, start):
    error = refused_field(simulator, start, start + DAY)
    assert set(error.errors) == {"start"} and "HSIM_HISTORY_HORIZON_DAYS" in error.errors["start"]
    assert not BackfillJob.objects.exists()
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).status == "stopped"


def test_the_horizon_is_a_setting(simulator, settings):
    settings.HSIM_HISTORY_HORIZON_DAYS = 30
    assert "start" in refused_field(simulator, T0 - 31 * DAY, T0 - 30 * DAY).errors
    job = backfill.create_job(simulator, T0 - 29 * DAY, T0 - 29 * DAY + H, now=T0)
    assert job.start == T0 - 29 * DAY


def test_history_never_starts_before_1970_whatever_the_horizon(simulator, settings):
    settings.HSIM_HISTORY_HORIZON_DAYS = 10**9
    error = refused_field(simulator, datetime(1969, 12, 31, 23, tzinfo=UTC),
                          datetime(1970, 1, 1, 6, tzinfo=UTC))
    assert "1970-01-01" in error.errors["start"]
    job = backfill.create_job(simulator, datetime(1970, 1, 1, tzinfo=UTC),
                              datetime(1970, 1, 1, 1, tzinfo=UTC), now=T0)
    assert backfill.run_job(job.id).status == "done"


@pytest.mark.parametrize("start", ["1900-01-01T00:00Z", "0001-01-01T00:00Z"])
def test_the_backfill_command_refuses_a_start_before_the_horizon_with_status_2(simulator, start):
    with pytest.raises(CommandError) as info:
        call_command("hsim_backfill", str(simulator.poller_id), "--start", start,
                     "--end", start.replace("T00:00", "T06:00"), "--no-progress")
    assert info.value.returncode == 2 and "start" in str(info.value)
    assert not BackfillJob.objects.exists()


def test_an_overlapping_backfill_of_the_same_simulator_is_refused_naming_the_job(simulator):
    first = backfill.create_job(simulator, T0 - DAY, T0, now=T0)
    with pytest.raises(OverlappingBackfill) as info:
        backfill.create_job(simulator, T0 - 30 * H, T0 - 20 * H, now=T0)
    assert info.value.status == 409 and f"job {first.id}" in str(info.value)
    # The same window is the same job (resumable); an adjacent window is fine.
    assert backfill.create_job(simulator, T0 - DAY, T0, now=T0).id == first.id
    adjacent = backfill.create_job(simulator, T0 - 2 * DAY, T0 - DAY, now=T0)
    assert BackfillJob.objects.count() == 2 and adjacent.id != first.id
    # Once the first job has finished, its window may be backfilled again.
    backfill.run_job(first.id)
    again = backfill.create_job(simulator, T0 - 12 * H, T0 - 6 * H, now=T0)
    assert again.id not in (first.id, adjacent.id)


def test_the_org_quota_bounds_queued_backfill_intervals(org, simulator, settings, unique_key):
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 100
    twin = create_simulator(org, "Twin", None, 15)
    job = backfill.create_job(simulator, T0 - DAY, T0, now=T0)  # 96 intervals queued
    assert queued_intervals(org.id) == 96
    with pytest.raises(QueuedWorkQuotaExceeded) as info:
        backfill.create_job(twin, T0 - 2 * H, T0, now=T0)  # 8 more: 104 > 100
    assert info.value.status == 429 and "HSIM_ORG_QUEUED_INTERVAL_QUOTA" in str(info.value)
    assert BackfillJob.objects.count() == 1
    # Another org has its own quota.
    from simulator_app.services.orgs import create_org

    other = create_simulator(create_org(unique_key("q")), "Other", None, 15)
    backfill.create_job(other, T0 - DAY, T0, now=T0)
    # Work already written no longer counts: a job half done leaves room.
    BackfillJob.objects.filter(pk=job.pk).update(cursor=T0 - 12 * H, status=BackfillJob.RUNNING)
    assert queued_intervals(org.id) == 48
    assert backfill.create_job(twin, T0 - 2 * H, T0, now=T0).status == "pending"
    # Done and failed jobs queue nothing.
    BackfillJob.objects.filter(simulator=simulator).update(status=BackfillJob.DONE)
    assert queued_intervals(org.id) == 8


def test_catch_up_after_a_long_stop_reaches_back_only_to_the_horizon(running, settings):
    settings.HSIM_HISTORY_HORIZON_DAYS = 2
    stopped_at = T0 - 10 * DAY
    run_tick(running.poller_id, now=stopped_at)
    totals_before = SimulatorState.objects.get(simulator_id=running.poller_id).totalizers
    first = run_tick(running.poller_id, now=T0)
    horizon = T0 - 2 * DAY
    assert (first.intervals, first.remaining) == (96, 2 * 96 + 1 - 96)
    skipped = ActivityLog.objects.get(simulator_id=running.poller_id,
                                      details__has_key="skipped_intervals")
    assert skipped.details["skipped_intervals"] == (horizon - stopped_at) // timedelta(minutes=15) - 1
    assert skipped.details["skipped_to"] == horizon.isoformat()
    assert "8.0 days" in skipped.message
    while run_tick(running.poller_id, now=T0 + timedelta(minutes=1)).remaining:
        pass  # the chained catch-up ticks: none of them cuts again
    assert ActivityLog.objects.filter(details__has_key="skipped_intervals").count() == 1
    stamps = sorted({ts // 1_000_000 for _, ts, *_ in stored_rows(running)})
    assert stamps[0] == to_epoch(stopped_at)
    assert stamps[1:] == list(range(to_epoch(horizon), to_epoch(T0) + Q, Q))
    state = SimulatorState.objects.get(simulator_id=running.poller_id)
    assert state.config["origin"] == horizon.isoformat()
    assert all(state.totalizers[k] >= v for k, v in totals_before.items())  # never backwards
    # A replay inside the history after the cut reproduces the live rows exactly.
    live = stored_rows(running, start=T0 - DAY, end=T0 - 20 * H)
    result = backfill.run_job(backfill.create_job(running, T0 - DAY, T0 - 20 * H, now=T0).id)
    assert result.status == "done"
    assert stored_rows(running, start=T0 - DAY, end=T0 - 20 * H) == live
    # The span before the cut is older than the horizon: no backfill reaches it.
    assert "start" in refused_field(running, stopped_at + H, stopped_at + 2 * H).errors


def test_a_short_stop_is_caught_up_in_full(running, settings):
    settings.HSIM_HISTORY_HORIZON_DAYS = 2
    run_tick(running.poller_id, now=T0 - DAY)
    result = run_tick(running.poller_id, now=T0, cap=1000)
    assert result.intervals == 96
    assert not ActivityLog.objects.filter(details__has_key="skipped_intervals").exists()


def test_a_backfill_after_a_gap_counts_the_gap_it_generates_forward(running, settings):
    run_tick(running.poller_id, now=T0 - 30 * DAY)  # history stops 30 days ago
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 2000
    # One day asked for, but the forward path writes the 30 days since the last interval too.
    with pytest.raises(QueuedWorkQuotaExceeded) as info:
        backfill.create_job(running, T0 - DAY, T0, now=T0)
    assert "adds 2,879 intervals" in str(info.value)
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 3000
    backfill.create_job(running, T0 - DAY, T0, now=T0)
    assert queued_intervals(running.org_id) == 30 * 96 - 1


def test_a_backfill_whose_gap_reaches_past_the_horizon_is_refused(running, settings):
    settings.HSIM_HISTORY_HORIZON_DAYS = 10
    run_tick(running.poller_id, now=T0 - 30 * DAY)
    error = refused_field(running, T0 - DAY, T0)
    assert "history stops at" in error.errors["start"] and "start the simulator" in error.errors["start"]
    assert not BackfillJob.objects.exists()


def test_the_backfill_command_refuses_an_overlapping_window_with_status_2(simulator):
    now = datetime.now(UTC)
    queued = backfill.create_job(simulator, now - 2 * DAY, now - DAY)
    with pytest.raises(CommandError) as info:
        call_command("hsim_backfill", str(simulator.poller_id),
                     "--start", f"{now - 36 * H:%Y-%m-%dT%H:00Z}",
                     "--end", f"{now - 12 * H:%Y-%m-%dT%H:00Z}", "--no-progress")
    assert info.value.returncode == 2 and f"job {queued.id}" in str(info.value)
    assert BackfillJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_requests_queue_one_job(clean_core, unique_key):
    """Admission holds the org's row lock: two requests racing for overlapping windows of one
    simulator cannot both pass the overlap check."""
    from simulator_app.services.orgs import create_org

    simulator = create_simulator(create_org(unique_key("race")), "Tower", None, 15)
    barrier, outcomes = threading.Barrier(3), []

    def request(start):
        try:
            barrier.wait()
            outcomes.append(backfill.create_job(simulator, start, T0, now=T0).id)
        except OverlappingBackfill as exc:
            outcomes.append(exc.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(T0 - n * H,)) for n in (6, 7)]
    with transaction.atomic():
        # Hold the org's lock while both requests start, so both reach the check together.
        Org.objects.select_for_update().get(pk=simulator.org_id)
        for t in threads:
            t.start()
        barrier.wait()
        threading.Event().wait(0.5)  # let both block on the lock (no assertion is timed)
    for t in threads:
        t.join()
    assert outcomes.count(409) == 1 and BackfillJob.objects.count() == 1


def test_an_org_queues_a_bounded_number_of_jobs(simulator, monkeypatch):
    from simulator_app.services import backfill_admission

    monkeypatch.setattr(backfill_admission, "MAX_QUEUED_JOBS_PER_ORG", 2)
    backfill.create_job(simulator, T0 - 3 * H, T0 - 2 * H, now=T0)
    backfill.create_job(simulator, T0 - 2 * H, T0 - H, now=T0)
    with pytest.raises(QueuedWorkQuotaExceeded) as info:
        backfill.create_job(simulator, T0 - H, T0, now=T0)
    assert "2 backfill jobs queued" in str(info.value)
