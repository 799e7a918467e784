"""A running backfill whose worker died expires after HSIM_BACKFILL_STALE_SECONDS: failed with
a message, logged, no longer holding the org's quota; asking again resumes it. A pending job
only waiting in the queue keeps its place on the quota (it expires only after
PENDING_STALE_FACTOR times as long), and the late task of an expired job does nothing."""

from datetime import datetime, timedelta, timezone as dt_timezone

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from simulator_app import tasks
from simulator_app.models import ActivityLog, BackfillJob
from simulator_app.services import backfill, backfill_admission
from simulator_app.services.backfill_expiry import PENDING_STALE_FACTOR
from simulator_app.services.backfill_admission import QueuedWorkQuotaExceeded
from simulator_app.services.locks import LOCK_NAMESPACE

DAY = datetime.now(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
A = (DAY - timedelta(days=3), DAY - timedelta(days=2))  # 96 intervals at 15 minutes
B = (DAY - timedelta(days=2), DAY - timedelta(days=1))


def idle_for(job, seconds, status=BackfillJob.RUNNING, cursor=None):
    """The job as a killed worker leaves it: running, untouched for `seconds`."""
    BackfillJob.objects.filter(pk=job.pk).update(
        status=status, cursor=cursor, updated_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()
    return job


@pytest.fixture
def tight_quota(settings):
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 100  # room for one day's job at a time
    settings.HSIM_BACKFILL_STALE_SECONDS = 600


def test_a_stuck_job_expires_and_stops_holding_the_quota(simulator, tight_quota):
    stuck = idle_for(backfill.create_job(simulator, *A), 601, cursor=A[0] + timedelta(hours=6))
    second = backfill.create_job(simulator, *B)  # was 429: the stuck job held the quota
    assert second.status == BackfillJob.PENDING
    stuck.refresh_from_db()
    assert stuck.status == BackfillJob.FAILED
    assert "expired" in stuck.error_message and "HSIM_BACKFILL_STALE_SECONDS" in stuck.error_message
    assert "resume" in stuck.error_message
    event = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="error")
    assert event.details["backfill_job"] == stuck.id and event.details["expired"] is True
    assert event.details["previous_status"] == "running"


def test_a_job_with_recent_progress_keeps_its_quota(simulator, tight_quota):
    idle_for(backfill.create_job(simulator, *A), 599)
    with pytest.raises(QueuedWorkQuotaExceeded):
        backfill.create_job(simulator, *B)
    assert not BackfillJob.objects.filter(status=BackfillJob.FAILED).exists()


def test_a_job_whose_simulator_a_runner_holds_is_not_expired(simulator, tight_quota):
    """A whole-window load commits once at the end: its job looks idle while the runner,
    which holds the simulator's lock, is still at work."""
    job = idle_for(backfill.create_job(simulator, *A), 3600)
    db = connection.settings_dict
    other = psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                            port=db["PORT"] or 5432, password=db["PASSWORD"] or None,
                            autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, simulator.poller_id])
        with pytest.raises(QueuedWorkQuotaExceeded):
            backfill.create_job(simulator, *B)
    finally:
        other.close()
    job.refresh_from_db()
    assert job.status == BackfillJob.RUNNING


def test_asking_for_the_expired_window_again_resumes_it(simulator, tight_quota):
    cursor = A[0] + timedelta(hours=6)
    stuck = idle_for(backfill.create_job(simulator, *A), 601, cursor=cursor)
    again = backfill.create_job(simulator, *A)
    assert again.id == stuck.id and again.cursor == cursor  # the same job, from its cursor
    again.refresh_from_db()
    assert again.status == BackfillJob.PENDING and again.error_message == ""  # on the quota
    with pytest.raises(QueuedWorkQuotaExceeded):
        backfill.create_job(simulator, *B)
    assert backfill.run_job(again.id).status == "done"


def test_a_pending_job_waiting_in_a_backlog_keeps_its_quota(simulator, tight_quota):
    """Queued behind a long backlog, never started: its worker is not gone, it has none yet."""
    waiting = idle_for(backfill.create_job(simulator, *A), 10 * 600, status=BackfillJob.PENDING)
    with pytest.raises(QueuedWorkQuotaExceeded):
        backfill.create_job(simulator, *B)
    waiting.refresh_from_db()
    assert waiting.status == BackfillJob.PENDING and waiting.error_message == ""
    assert not ActivityLog.objects.filter(event_type="error").exists()


def test_a_pending_job_whose_task_was_lost_expires_after_the_long_bound(simulator, tight_quota):
    lost = idle_for(backfill.create_job(simulator, *A), PENDING_STALE_FACTOR * 600 + 1,
                    status=BackfillJob.PENDING)
    assert backfill.create_job(simulator, *B).status == BackfillJob.PENDING
    lost.refresh_from_db()
    assert lost.status == BackfillJob.FAILED
    assert lost.error_message.startswith("expired: pending and never started")
    assert "worker is gone" not in lost.error_message


def test_the_late_task_of_an_expired_job_does_nothing(simulator, tight_quota, broker_queue):
    """The expired job left the quota and another took its place: running it anyway would put
    the org past its quota."""
    stuck = idle_for(backfill.create_job(simulator, *A), 601)
    backfill.create_job(simulator, *B)  # admitted in the room the expired job left
    result = tasks.backfill_simulator.run(stuck.id)
    assert result["status"] == "failed" and result["rows"] == 0
    stuck.refresh_from_db()
    assert stuck.status == BackfillJob.FAILED and stuck.cursor is None
    assert stuck.error_message.startswith("expired")
    assert broker_queue() == []  # and no continuation queued
    assert backfill_admission.queued_intervals(simulator.org_id) <= 100


def test_listing_a_simulators_jobs_shows_the_expiry(simulator, api, settings):
    settings.HSIM_BACKFILL_STALE_SECONDS = 600
    job = idle_for(backfill.create_job(simulator, *A), 601)
    listed = api.get(f"/simulator/backfill/{simulator.poller_id}").json()["results"]
    assert listed[0]["id"] == job.id and listed[0]["status"] == "failed"
    assert listed[0]["error_message"].startswith("expired")


def test_zero_never_expires(simulator, tight_quota, settings):
    settings.HSIM_BACKFILL_STALE_SECONDS = 0
    idle_for(backfill.create_job(simulator, *A), 10**6)
    with pytest.raises(QueuedWorkQuotaExceeded):
        backfill.create_job(simulator, *B)


@pytest.fixture
def api(org):
    from tests.api.conftest import client_for, make_user

    return client_for(make_user("member", org))
