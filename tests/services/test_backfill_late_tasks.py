"""A late or duplicate task of a finished backfill job (an acks_late redelivery, a second
enqueue of the same job) does nothing at all: no rows, no activity entry, no state change,
no next slice queued. The job's "done" `gap_fill` event is logged once."""

from datetime import timedelta

import pytest

from simulator_app import tasks
from simulator_app.models import ActivityLog, BackfillJob, SimulatorState
from simulator_app.services import backfill, lifecycle
from simulator_app.services.errors import ServiceError
from simulator_app.services.queue import enqueue_backfill
from simulator_app.services.tick import run_tick

from .conftest import T0, expected_rows, stored_rows

H = timedelta(hours=1)


@pytest.fixture
def slices(settings, monkeypatch):
    settings.HSIM_BACKFILL_CHUNK_INTERVALS = 8  # 6 hours: three slices of one chunk
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 0)


def everything(simulator, job):
    """What a task could touch: the job, the simulator's state, its activity log, its rows."""
    return (
        BackfillJob.objects.filter(pk=job.pk).values().get(),
        SimulatorState.objects.filter(simulator_id=simulator.poller_id).values().get(),
        list(ActivityLog.objects.filter(simulator_id=simulator.poller_id).order_by("id").values()),
        stored_rows(simulator),
    )


def done_events(simulator, job):
    """The job's "Backfill ... done" entries (each forward chunk logs a `gap_fill` of its own)."""
    return list(ActivityLog.objects.filter(
        simulator_id=simulator.poller_id, event_type="gap_fill", details__backfill_job=job.id,
        message__startswith="Backfill "))


LATE_TASKS = {
    "task": lambda job_id: tasks.backfill_simulator.run(job_id),
    "run_job": lambda job_id: backfill.run_job(job_id).as_dict(),
    "whole_run_job": lambda job_id: backfill.run_job(job_id, whole=True).as_dict(),
}


@pytest.mark.parametrize("late", LATE_TASKS.values(), ids=list(LATE_TASKS))
def test_a_late_task_of_a_done_job_does_nothing(simulator, slices, broker_queue, late):
    job = backfill.create_job(simulator, T0 - 6 * H, T0, now=T0)
    enqueue_backfill(job.id, on_commit=False)
    broker_queue.work()  # slice after slice, to the end
    assert BackfillJob.objects.get(pk=job.pk).status == BackfillJob.DONE
    assert len(done_events(simulator, job)) == 1
    before = everything(simulator, job)

    result = late(job.id)  # redelivered, or queued twice

    assert result["status"] == "done" and result["done_intervals"] == result["total_intervals"]
    assert everything(simulator, job) == before
    assert broker_queue() == []  # and no next slice queued


def test_a_job_queued_twice_is_done_once(simulator, slices, broker_queue):
    """Two chains of slices work the job in turns; the one left when it is done stops."""
    job = backfill.create_job(simulator, T0 - 6 * H, T0, now=T0)
    enqueue_backfill(job.id, on_commit=False)
    enqueue_backfill(job.id, on_commit=False)  # the same window asked for twice, say
    broker_queue.work()
    job.refresh_from_db()
    assert job.status == BackfillJob.DONE and job.rows_written > 0
    [event] = done_events(simulator, job)
    assert event.details["rows"] == job.rows_written
    assert stored_rows(simulator) == expected_rows(simulator, T0 - 6 * H, T0)


def test_a_late_task_of_a_failed_job_does_nothing(simulator, slices, broker_queue):
    job = backfill.create_job(simulator, T0 - 6 * H, T0, now=T0)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)  # the first tick moves the origin past the window
    with pytest.raises(ServiceError):
        backfill.run_job(job.id)
    assert BackfillJob.objects.get(pk=job.pk).status == BackfillJob.FAILED
    before = everything(simulator, job)

    result = tasks.backfill_simulator.run(job.id)

    assert result["status"] == "failed"
    assert everything(simulator, job) == before
    assert broker_queue() == []
