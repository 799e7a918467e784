"""Backfill jobs whose worker died: expired, so they stop holding the org's quota.

A job is worked in time slices (tasks.backfill_simulator), and every committed chunk touches
its `updated_at`. While a slice runs the job is *running*; when the slice ends unfinished the
job is *pending* again while its next slice waits in the queue (services.backfill
.await_next_slice), so a long queue is never taken for a dead worker.

A *running* job untouched for HSIM_BACKFILL_STALE_SECONDS whose simulator no runner holds (the
simulator lock: a killed worker's session lock is gone with its connection) has lost its
worker -- a worker killed mid-slice. It is marked failed with a message saying so, and an
`error` event is logged; asking for the same window again queues it again from its cursor
(services.backfill.create_job).

A *pending* job -- not started yet, or between two slices -- only waits in the queue (under a
backlog: a busy shard), so it keeps its place on the org's quota, and it is expired only after
PENDING_STALE_FACTOR times as long (its task message was lost: a broker restarted without
persistence), with a message saying which wait it was. Either way an expired job is expired
for good: its task, if it still comes, finds it failed and does nothing
(services.backfill.run_job) unless the window was asked for again, so the org's queued work
never passes its quota behind its back.

Expiry is checked where it matters, without a beat entry: before an org's backfill admission
(its quota) and when a simulator's jobs are listed.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import BackfillJob
from .activity import log_event
from .locks import simulator_lock

MAX_PER_CALL = 100  # bounds one call; the rest are expired by the next
# A pending job (not started yet, or between slices) expires after this many times
# HSIM_BACKFILL_STALE_SECONDS: a day at the default, far longer than a queue backlog, so only
# a lost task message.
PENDING_STALE_FACTOR = 24


def stale_seconds():
    return int(getattr(settings, "HSIM_BACKFILL_STALE_SECONDS", 3600))


def expire_stale(org_id=None, simulator_id=None, now=None):
    """Expire the stale jobs of an org or a simulator; the expired jobs."""
    seconds = stale_seconds()
    if seconds <= 0:  # 0: never expire
        return []
    now = now or timezone.now()
    jobs = BackfillJob.objects.filter(
        Q(status=BackfillJob.RUNNING, updated_at__lt=now - timedelta(seconds=seconds))
        | Q(status=BackfillJob.PENDING,
            updated_at__lt=now - timedelta(seconds=seconds * PENDING_STALE_FACTOR)))
    if org_id is not None:
        jobs = jobs.filter(simulator__org_id=org_id)
    if simulator_id is not None:
        jobs = jobs.filter(simulator_id=simulator_id)
    expired = []
    for job in jobs.order_by("updated_at")[:MAX_PER_CALL]:
        with simulator_lock(job.simulator_id) as free:
            if free and expire(job, seconds, now):
                expired.append(job)
    return expired


def expire(job, seconds, now):
    """Mark `job` failed unless it moved since it was read (a conditional update)."""
    idle = round((now - job.updated_at).total_seconds())
    where = "" if job.cursor is None else f" from {job.cursor:%Y-%m-%dT%H:%MZ}"
    if job.status == BackfillJob.PENDING and job.cursor is None:
        message = (
            f"expired: pending and never started for {idle} s (more than"
            f" {PENDING_STALE_FACTOR} x HSIM_BACKFILL_STALE_SECONDS={seconds}); its task was"
            f" lost. Ask for the same window again to queue it again{where}"
        )
    elif job.status == BackfillJob.PENDING:  # between slices (or queued again after a failure)
        message = (
            f"expired: pending between slices for {idle} s (more than {PENDING_STALE_FACTOR}"
            f" x HSIM_BACKFILL_STALE_SECONDS={seconds}); its next slice waited in the queue too"
            f" long (its task was lost). Ask for the same window again to resume it{where}"
        )
    else:
        message = (
            f"expired: {job.status} with no progress for {idle} s (more than"
            f" HSIM_BACKFILL_STALE_SECONDS={seconds}); its worker is gone. Ask for the same"
            f" window again to resume it{where}"
        )
    changed = BackfillJob.objects.filter(
        pk=job.pk, status=job.status, updated_at=job.updated_at,
    ).update(status=BackfillJob.FAILED, error_message=message, updated_at=now)
    if not changed:
        return False
    log_event(job.simulator_id, "error", f"Backfill job {job.id} {message}",
              backfill_job=job.id, expired=True, previous_status=job.status,
              idle_seconds=idle)
    job.previous_status, job.status, job.error_message = job.status, BackfillJob.FAILED, message
    return True
