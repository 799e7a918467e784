"""Between two time slices a backfill job only waits in the queue for its next slice: it is
pending again, keeps its place on the org's quota, and a long queue (a busy shard) is not taken
for a dead worker -- only a job whose worker died mid-slice expires after
HSIM_BACKFILL_STALE_SECONDS. A next slice that never comes expires after the pending bound,
with a message saying it waited in the queue."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone

from simulator_app import tasks
from simulator_app.models import ActivityLog, BackfillJob
from simulator_app.services import backfill, backfill_admission
from simulator_app.services.backfill_admission import QueuedWorkQuotaExceeded
from simulator_app.services.backfill_expiry import PENDING_STALE_FACTOR

from .conftest import expected_rows, stored_rows

DAY = datetime.now(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
A = (DAY - timedelta(days=3), DAY - timedelta(days=2))  # 96 intervals at 15 minutes
B = (DAY - timedelta(days=2), DAY - timedelta(days=1))  # another simulator's: 96 as well
STALE = 600
CHUNK = 8  # intervals per chunk; a slice of budget 0 works one chunk


@pytest.fixture
def slices(settings, monkeypatch):
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 100  # room for one day's job at a time
    settings.HSIM_BACKFILL_STALE_SECONDS = STALE
    settings.HSIM_BACKFILL_CHUNK_INTERVALS = CHUNK
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 0)


def waiting_for(job, seconds):
    """The job as a long queue leaves it: untouched for `seconds`, nothing else changed."""
    BackfillJob.objects.filter(pk=job.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


def one_slice(job, broker_queue):
    result = tasks.backfill_simulator.run(job.id)
    assert result["status"] == "running"  # the slice ended with the job unfinished
    assert broker_queue() == [job.id]  # and queued its next slice
    job.refresh_from_db()
    return job


class WorkerKilled(BaseException):
    """What a killed worker leaves behind: nothing after the chunk it committed last."""


def test_a_job_between_slices_is_pending_with_its_next_slice_queued(simulator, slices,
                                                                   broker_queue):
    job = one_slice(backfill.create_job(simulator, *A), broker_queue)
    assert job.status == BackfillJob.PENDING and job.error_message == ""
    assert job.cursor == A[0] + CHUNK * timedelta(minutes=15)
    # Still on the org's quota, with what it has left.
    assert backfill_admission.queued_intervals(simulator.org_id) == 96 - CHUNK


def test_a_next_slice_waiting_in_a_long_queue_is_not_taken_for_a_dead_worker(
    simulator, slices, broker_queue, neighbour
):
    job = waiting_for(one_slice(backfill.create_job(simulator, *A), broker_queue), 10 * STALE)
    with pytest.raises(QueuedWorkQuotaExceeded):  # it keeps its place on the quota
        backfill.create_job(neighbour, *B)
    job.refresh_from_db()
    assert job.status == BackfillJob.PENDING and job.error_message == ""
    assert not ActivityLog.objects.filter(event_type="error").exists()
    # Its next slice comes at last and carries on from the cursor, to the end.
    broker_queue.work()
    job.refresh_from_db()
    assert job.status == BackfillJob.DONE and job.error_message == ""
    assert stored_rows(simulator) == expected_rows(simulator, *A)


def test_listing_the_jobs_shows_one_waiting_for_its_next_slice_as_pending(
    simulator, slices, broker_queue, api
):
    job = waiting_for(one_slice(backfill.create_job(simulator, *A), broker_queue), 10 * STALE)
    listed = api.get(f"/simulator/backfill/{simulator.poller_id}").json()["results"]
    assert listed[0]["id"] == job.id
    assert (listed[0]["status"], listed[0]["error_message"]) == ("pending", "")


def test_a_next_slice_that_never_comes_expires_after_the_pending_bound_saying_so(
    simulator, slices, broker_queue, neighbour
):
    job = one_slice(backfill.create_job(simulator, *A), broker_queue)
    cursor = job.cursor
    waiting_for(job, PENDING_STALE_FACTOR * STALE + 1)
    assert backfill.create_job(neighbour, *B).status == BackfillJob.PENDING  # its room freed
    job.refresh_from_db()
    assert job.status == BackfillJob.FAILED and job.cursor == cursor
    message = job.error_message
    assert message.startswith("expired: pending between slices")
    assert "next slice waited in the queue too long" in message
    assert f"{PENDING_STALE_FACTOR} x HSIM_BACKFILL_STALE_SECONDS={STALE}" in message
    assert f"resume it from {cursor:%Y-%m-%dT%H:%MZ}" in message
    assert "worker is gone" not in message and "never started" not in message
    event = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="error")
    assert event.details["backfill_job"] == job.id and event.details["previous_status"] == "pending"


def test_a_job_whose_worker_died_mid_slice_still_expires_after_the_stale_bound(
    simulator, slices, broker_queue, neighbour
):
    job = backfill.create_job(simulator, *A)

    def killed(job, rows):
        raise WorkerKilled

    with pytest.raises(WorkerKilled):
        backfill.run_job(job.id, time_budget=tasks.BACKFILL_SLICE_SECONDS, on_chunk=killed)
    job.refresh_from_db()
    assert job.status == BackfillJob.RUNNING and job.cursor is not None
    assert broker_queue() == []  # no next slice: the worker died before queueing one
    waiting_for(job, STALE + 1)
    assert backfill.create_job(neighbour, *B).status == BackfillJob.PENDING
    job.refresh_from_db()
    assert job.status == BackfillJob.FAILED
    assert job.error_message.startswith("expired: running with no progress")
    assert "its worker is gone" in job.error_message


def test_a_slice_of_a_job_expired_meanwhile_queues_no_next_slice(simulator, slices, broker_queue):
    """The expiry and the slice's end race: the expiry wins, the job stays failed."""
    job = backfill.create_job(simulator, *A)

    def expired_meanwhile(job, rows):
        BackfillJob.objects.filter(pk=job.pk).update(status=BackfillJob.FAILED,
                                                      error_message="expired: meanwhile")

    backfill.run_job(job.id, time_budget=0, on_chunk=expired_meanwhile)
    assert backfill.await_next_slice(job.id) is False
    job.refresh_from_db()
    assert (job.status, job.error_message) == (BackfillJob.FAILED, "expired: meanwhile")


@pytest.fixture
def neighbour(org):
    """Another simulator of the org: its job competes for the same quota."""
    from simulator_app.services.simulators import create_simulator

    return create_simulator(org, "Annex", None, 15)


@pytest.fixture
def api(org):
    from tests.api.conftest import client_for, make_user

    return client_for(make_user("member", org))
