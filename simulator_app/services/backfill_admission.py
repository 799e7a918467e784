"""Which backfill jobs may be queued: one window of a simulator at a time, and a bounded
amount of queued work per org.

- Overlapping jobs of one simulator are refused (409 naming the job): two runners of one
  window would replay the same history twice and race for the simulator's lock.
- An org's pending and running jobs hold at most HSIM_ORG_QUEUED_INTERVAL_QUOTA intervals
  not yet written; over it a new job is refused (429) until queued work drains.
Checks run under a lock on the org's row, so concurrent requests cannot both slip in.
"""

import json

from django.conf import settings

from ..models import BackfillJob, Org, Simulator, SimulatorState
from .errors import ServiceError
from .intervals import to_epoch

QUEUED = (BackfillJob.PENDING, BackfillJob.RUNNING)
# Also bounds the quota's own arithmetic (one row per queued job, read on every request).
MAX_QUEUED_JOBS_PER_ORG = 1000


class OverlappingBackfill(ServiceError):
    """The window overlaps a queued or running job of the same simulator (HTTP 409)."""

    status = 409

    def __init__(self, job):
        self.job = job
        super().__init__({"detail": (
            f"overlaps backfill job {job.id} ({job.start:%Y-%m-%dT%H:%MZ} to"
            f" {job.end:%Y-%m-%dT%H:%MZ}, {job.status}) of this simulator: wait for it to"
            " finish, backfill only the part outside it, or ask for exactly its window to"
            " queue that job again"
        )})


class QueuedWorkQuotaExceeded(ServiceError):
    """The org's queued backfill work would exceed its quota (HTTP 429: retry later)."""

    status = 429


def lock_org(org_id):
    """Serialise admissions of one org (a row lock; SQLite serialises writers anyway)."""
    Org.objects.select_for_update().filter(pk=org_id).first()


def refuse_overlap(simulator, start, end, exclude_job=None):
    overlapping = BackfillJob.objects.filter(
        simulator=simulator, status__in=QUEUED, start__lt=end, end__gt=start
    ).exclude(pk=getattr(exclude_job, "pk", None)).order_by("start").first()
    if overlapping is not None:
        raise OverlappingBackfill(overlapping)


def forward_from(start_epoch, last_run_timestamp, step):
    """Where a job for a window from `start_epoch` starts writing: at the window, or -- for a
    window after the simulator's last interval -- at the interval after that (backfill's
    forward path generates the gap too)."""
    if last_run_timestamp is None:
        return start_epoch
    return min(start_epoch, to_epoch(last_run_timestamp) + step)


def queued_intervals(org_id, exclude_job=None):
    """Intervals not yet written by the org's pending and running backfill jobs (a forward
    job's gap after its simulator's last interval included)."""
    jobs = list(
        BackfillJob.objects.filter(simulator__org_id=org_id, status__in=QUEUED)
        .exclude(pk=getattr(exclude_job, "pk", None))
        .values_list("simulator_id", "start", "end", "cursor")
    )
    simulator_ids = {sim_id for sim_id, *_ in jobs}
    steps = interval_seconds_of(simulator_ids)
    last_runs = dict(SimulatorState.objects.filter(simulator_id__in=simulator_ids)
                     .values_list("simulator_id", "last_run_timestamp"))
    return sum(
        remaining_intervals(start, end, cursor, last_runs.get(sim_id), steps.get(sim_id, 900))
        for sim_id, start, end, cursor in jobs
    )


def remaining_intervals(start, end, cursor, last_run_timestamp, step):
    """Intervals a job for [start, end) still has to write, given its cursor."""
    begin = to_epoch(cursor) if cursor is not None and cursor > start else to_epoch(start)
    begin = forward_from(begin, last_run_timestamp, step)
    return max(0, to_epoch(end) - begin) // step


def interval_seconds_of(simulator_ids):
    configs = Simulator.objects.filter(poller_id__in=simulator_ids).values_list("poller_id", "config")
    out = {}
    for sim_id, text in configs:
        try:
            out[sim_id] = int(json.loads(text).get("interval_minutes") or 15) * 60
        except (TypeError, ValueError, AttributeError):
            out[sim_id] = 900
    return out


def check_quota(org_id, intervals, exclude_job=None):
    jobs = BackfillJob.objects.filter(simulator__org_id=org_id, status__in=QUEUED).exclude(
        pk=getattr(exclude_job, "pk", None)).count()
    if jobs >= MAX_QUEUED_JOBS_PER_ORG:
        raise QueuedWorkQuotaExceeded({"detail": (
            f"the org already has {jobs:,} backfill jobs queued, the most it may"
            f" ({MAX_QUEUED_JOBS_PER_ORG:,}): retry when some have finished")})
    quota = settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA
    queued = queued_intervals(org_id, exclude_job)
    if queued + intervals > quota:
        raise QueuedWorkQuotaExceeded({"detail": (
            f"this backfill adds {intervals:,} intervals to the {queued:,} already queued for"
            f" the org; the quota is {quota:,} (HSIM_ORG_QUEUED_INTERVAL_QUOTA): retry when"
            " queued backfills have finished, or ask for a shorter window"
        )})


def admit(simulator, start, end, intervals, resumed=None):
    """Raise unless a job for [start, end) that writes `intervals` may be queued; `resumed` is
    an existing unfinished job for the same window being queued again. The caller holds the
    org's lock (lock_org) in the transaction that creates the job."""
    if resumed is not None and resumed.status in QUEUED:
        return  # already counted and already alone on its window
    refuse_overlap(simulator, start, end, exclude_job=resumed)
    check_quota(simulator.org_id, intervals, exclude_job=resumed)
