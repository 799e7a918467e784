"""Backfill jobs whose worker died: expired, so they stop holding the org's quota.

A job is worked in time slices (tasks.backfill_simulator), and every committed chunk touches
its `updated_at`. A pending or running job untouched for HSIM_BACKFILL_STALE_SECONDS whose
simulator no runner holds (the simulator lock: a killed worker's session lock is gone with
its connection) has lost its task -- a worker killed mid-slice, a broker that lost the
message. It is marked failed with a message saying so, and an `error` event is logged; asking
for the same window again queues it again from its cursor (services.backfill.create_job).

Expiry is checked where it matters, without a beat entry: before an org's backfill admission
(its quota) and when a simulator's jobs are listed. A job that was only waiting in a long
queue and is expired anyway is not lost: when its task comes, it runs as usual.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..models import BackfillJob
from .activity import log_event
from .locks import simulator_lock

QUEUED = (BackfillJob.PENDING, BackfillJob.RUNNING)
MAX_PER_CALL = 100  # bounds one call; the rest are expired by the next


def stale_seconds():
    return int(getattr(settings, "HSIM_BACKFILL_STALE_SECONDS", 3600))


def expire_stale(org_id=None, simulator_id=None, now=None):
    """Expire the stale jobs of an org or a simulator; the expired jobs."""
    seconds = stale_seconds()
    if seconds <= 0:  # 0: never expire
        return []
    now = now or timezone.now()
    jobs = BackfillJob.objects.filter(status__in=QUEUED,
                                      updated_at__lt=now - timedelta(seconds=seconds))
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
