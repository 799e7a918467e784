"""Backfill: history on demand, exactly the rows live ticks produce for the same window.

The engine is deterministic from a simulator's origin (its first generated interval), so:
- a window at or after the simulator's next interval (or any window, for a simulator that
  never ran) is generated *forward*: it advances the simulator's own state, chunk by chunk,
  exactly as catch-up ticks would;
- a window inside the history already generated is *replayed* from the origin with a fresh
  engine state, and only its own rows are rewritten (idempotent upserts);
- a window before the origin of a simulator with history is refused: its totalizers would
  not join up (reset the simulator to move its origin).
Every chunk commits on its own and the job records its cursor, so an interrupted backfill
resumes where it stopped.
"""

import logging
import time
from datetime import datetime
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import engine
from ..models import BackfillJob
from .activity import log_event
from .errors import BusyError, ServiceError
from .intervals import floor_to_interval, from_epoch, to_epoch
from .locks import simulator_lock
from .queue import enqueue_backfill
from . import (
    backfill_admission, backfill_expiry, error_text, history_horizon, retention, runtime,
)
from .backfill_admission import QUEUED
from .tick import generate_window
from .value_databases import value_database_configs


log = logging.getLogger(__name__)

MAX_WINDOW_DAYS = 3660  # ten years of history is plenty; a typo of a century is refused


@dataclass
class BackfillProgress:
    job_id: int
    status: str
    done_intervals: int
    total_intervals: int
    rows: int

    def as_dict(self):
        return asdict(self)


def create_job(simulator, start, end, now=None):
    """Validate the window and record a job (or return the unfinished job for it).

    Bounded (services.history_horizon, services.backfill_admission): no start before the
    history horizon, no overlap with a queued job of the simulator, no more queued work for
    the org than its quota."""
    now = now or timezone.now()
    history_horizon.check_start(start, now)
    context = runtime.load(simulator.poller_id)
    step = context.interval_seconds
    now_boundary = floor_to_interval(to_epoch(now), step)
    s = floor_to_interval(to_epoch(start), step)
    e = min(to_epoch(end), now_boundary + step)
    retention.check_backfill_start(simulator.org, from_epoch(s), now, step)
    if e % step:
        e = e - e % step + step
    errors = {}
    if e - s > MAX_WINDOW_DAYS * 86400:
        errors["start"] = f"a backfill window is at most {MAX_WINDOW_DAYS} days"
    if s >= e:
        errors["end"] = "must be after start (and the window cannot lie in the future)"
    origin = origin_of(context)
    if origin is not None and s < origin and context.state.last_run_timestamp is not None:
        errors["start"] = (
            f"before the simulator's origin {from_epoch(origin):%Y-%m-%dT%H:%MZ}; reset the"
            " simulator to backfill earlier history"
        )
    if errors:
        raise ServiceError(errors)
    # A window after the simulator's last interval is generated forward from there (run_chunk):
    # the gap before it is work this job causes too, bounded like the window.
    work_from = backfill_admission.forward_from(s, context.state.last_run_timestamp, step)
    if work_from < s:
        history_horizon.check_gap(from_epoch(work_from), now)
    # Jobs whose worker died hold the org's quota and block their window: expire them first.
    backfill_expiry.expire_stale(org_id=simulator.org_id)
    with transaction.atomic():
        backfill_admission.lock_org(simulator.org_id)
        existing = BackfillJob.objects.filter(
            simulator=simulator, start=from_epoch(s), end=from_epoch(e),
            status__in=[BackfillJob.PENDING, BackfillJob.RUNNING, BackfillJob.FAILED],
        ).first()
        intervals = (e - work_from) // step
        if existing:  # a failed job queued again: what it has left
            intervals = backfill_admission.remaining_intervals(
                existing.start, existing.end, existing.cursor,
                context.state.last_run_timestamp, step)
        backfill_admission.admit(simulator, from_epoch(s), from_epoch(e), intervals,
                                 resumed=existing)
        if existing:
            # A pending or running job already has its chain of tasks (see queue_job).
            existing.already_queued = existing.status != BackfillJob.FAILED
            if existing.status == BackfillJob.FAILED:  # queued again: back on the quota
                existing.status, existing.error_message = BackfillJob.PENDING, ""
                existing.save(update_fields=["status", "error_message", "updated_at"])
            return existing
        job = BackfillJob.objects.create(simulator=simulator, start=from_epoch(s),
                                         end=from_epoch(e))
        job.already_queued = False
        return job


def queue_job(simulator, start, end):
    """Create the job for the window (create_job) and queue its task after commit -- unless
    the window was asked for again while its job is pending or running: that job's chain of
    slices already works it, and a second chain would only take turns with it on the
    simulator's lock (the turn that waits too long fails the job). A job whose task was lost
    expires (services.backfill_expiry), and asking again then queues it again."""
    job = create_job(simulator, start, end)
    if not job.already_queued:
        enqueue_backfill(job.id)
    return job


def origin_state(context):
    """The engine state at the origin: cold for a simulator's first origin, carried over
    from before for an origin a configuration change moved."""
    saved = (context.state.config or {}).get("origin_state")
    return engine.State.from_dict(saved) if saved else engine.initial_state(context.spec)


def origin_of(context):
    origin = (context.state.config or {}).get("origin")
    return to_epoch(datetime.fromisoformat(origin)) if origin else None


def run_job(job_id, time_budget=None, on_chunk=None, whole=False):
    """Run chunks until the job is done or `time_budget` seconds passed (then it resumes).

    `whole=True` (the command line, which has no task time limit): a fresh simulator's window
    is loaded in one streamed transaction instead, with the values table's indexes rebuilt
    once at the end when the table was empty -- several times faster for long histories. If
    it fails nothing is committed and running the job again starts it over.
    """
    # Only a queued job (pending, or running: a slice redelivered after its worker died) runs.
    # A finished one does nothing at all -- no rows, no activity entry, no state change: a late
    # or duplicate task of a done job (acks_late redelivery, a second enqueue), and of a failed
    # one (expired, cancelled, stopped by an error), which runs again only once its window is
    # asked for again (create_job sets it pending) -- an expired job no longer counts toward
    # the org's quota. One conditional update, so an expiry between reading the job and
    # starting it cannot be overwritten.
    started = BackfillJob.objects.filter(pk=job_id, status__in=QUEUED).update(
        status=BackfillJob.RUNNING, error_message="", updated_at=timezone.now())
    job = BackfillJob.objects.select_related("simulator").get(pk=job_id)
    if not started:
        if job.status == BackfillJob.DONE:
            log.info("backfill job %s of simulator %s is done: a late or duplicate task,"
                     " nothing to do", job.id, job.simulator_id)
        else:
            log.warning("backfill job %s of simulator %s is %s (%s): not run; ask for its window"
                        " again to queue it again", job.id, job.simulator_id, job.status,
                        job.error_message)
        return progress(job)
    deadline = None if time_budget is None else time.monotonic() + time_budget
    try:
        while not finished(job):
            with simulator_lock(job.simulator_id, wait_seconds=60) as acquired:
                if not acquired:
                    raise BusyError(f"simulator {job.simulator_id} stayed busy")
                # Another runner of the same job may have advanced or finished it, or it was
                # cancelled meanwhile (its org deleted): failed, no longer queued.
                job.refresh_from_db()
                if finished(job) or job.status not in QUEUED:
                    break
                one_load = whole and is_fresh(job) and not single_writer()
                rows = run_whole(job, on_chunk) if one_load else run_chunk(job)
            if on_chunk:
                on_chunk(job, rows)
            if deadline is not None and time.monotonic() > deadline:
                break
    except Exception as exc:
        log.exception("backfill job %s of simulator %s failed", job.id, job.simulator_id)
        message = error_text.public_message(exc)  # the raw text: the log only
        # Conditional: a job another runner finished, or one cancelled meanwhile, stays so.
        BackfillJob.objects.filter(pk=job.id, status__in=QUEUED).update(
            status=BackfillJob.FAILED, error_message=message, updated_at=timezone.now())
        raise
    if finished(job):
        # Done once: of two runners of the job that both saw it finished, only the one that
        # moves it to done logs the event (and a job cancelled meanwhile stays failed).
        moved = BackfillJob.objects.filter(pk=job.id, status__in=QUEUED).update(
            status=BackfillJob.DONE, updated_at=timezone.now())
        job.refresh_from_db()
        if moved:
            log_event(
                job.simulator_id, "gap_fill",
                f"Backfill {job.start:%Y-%m-%d %H:%M} to {job.end:%Y-%m-%d %H:%M} UTC done,"
                f" {job.rows_written} rows",
                start=job.start.isoformat(), end=job.end.isoformat(), rows=job.rows_written,
                backfill_job=job.id,
            )
    return progress(job)


def await_next_slice(job_id):
    """A time slice of the job ended unfinished and its caller queues the next one: the job is
    pending again while that slice waits in the queue. A long queue (a busy shard) is then not
    taken for a dead worker (services.backfill_expiry): a pending job keeps its place on the
    org's quota like a running one, and expires only after the longer bound. False when the
    job is no longer running -- done, failed (expired, cancelled), or already pending because
    another runner of it queued its next slice -- and no slice should be queued."""
    return bool(BackfillJob.objects.filter(pk=job_id, status=BackfillJob.RUNNING).update(
        status=BackfillJob.PENDING, updated_at=timezone.now()))


def finished(job):
    return job.cursor is not None and job.cursor >= job.end


def progress(job, interval_seconds=None):
    interval = interval_seconds or runtime.load(job.simulator_id).interval_seconds
    total = int((job.end - job.start).total_seconds()) // interval
    done = 0
    if job.cursor is not None and job.cursor > job.start:
        done = int((job.cursor - job.start).total_seconds()) // interval
    return BackfillProgress(job.id, job.status, min(done, total), total, job.rows_written)


def single_writer():
    """A SQLite value database has one writer for its whole file, shared with the running
    stack: a backfill there commits short chunks instead of one long load."""
    return any(c["url"].startswith("sqlite:") for c in value_database_configs())


def chunk_intervals(context):
    """Intervals per chunk: HSIM_BACKFILL_CHUNK_INTERVALS, and with a single writer no more
    than HSIM_SQLITE_MAX_TRANSACTION_ROWS rows, so ticks, beat and the web never wait long."""
    chunk = settings.HSIM_BACKFILL_CHUNK_INTERVALS
    if single_writer():
        points = max(1, len(context.entity_ids))
        chunk = min(chunk, max(1, settings.HSIM_SQLITE_MAX_TRANSACTION_ROWS // points))
    return chunk


def is_fresh(job):
    return runtime.load(job.simulator_id).state.last_run_timestamp is None


def run_whole(job, on_chunk=None):
    """The whole window of a fresh simulator, generated in chunks, written in one transaction."""
    context = runtime.load(job.simulator_id)
    step = context.interval_seconds
    chunk = settings.HSIM_BACKFILL_CHUNK_INTERVALS * step
    s, e = to_epoch(job.start), to_epoch(job.end)
    carried = {"state": context.engine_state(), "last": None}

    def batches():
        for begin in range(s, e, chunk):
            stop = min(e, begin + chunk)
            batch, carried["state"] = context.generate(begin, stop, carried["state"])
            carried["last"] = int(batch.ts[-1])
            yield batch
            if on_chunk:
                job.cursor = from_epoch(stop)  # progress display only; saved after the commit
                on_chunk(job, 0)

    began = time.perf_counter()
    written = context.write(batches(), bulk=True)
    last_ts = from_epoch(carried["last"])
    with transaction.atomic():
        context.save_progress(carried["state"], from_epoch(s), last_ts)
        log_event(
            job.simulator_id, "gap_fill",
            f"Loaded {(e - s) // step} intervals {from_epoch(s):%Y-%m-%d %H:%M} to"
            f" {last_ts:%Y-%m-%d %H:%M} UTC in one transaction, {written.rows} rows",
            start=from_epoch(s).isoformat(), end=from_epoch(e).isoformat(),
            intervals=(e - s) // step, rows=written.rows, backfill_job=job.id,
            duration_ms=round((time.perf_counter() - began) * 1000, 1),
            databases=written.databases,
        )
        return advance(job, e, written.rows, None)


def run_chunk(job):
    """One chunk of at most `chunk_intervals` intervals; returns rows written."""
    context = runtime.load(job.simulator_id)
    step = context.interval_seconds
    chunk = chunk_intervals(context) * step
    s, e = to_epoch(job.start), to_epoch(job.end)
    last = context.state.last_run_timestamp
    next_ts = None if last is None else to_epoch(last) + step
    cursor = s if job.cursor is None else to_epoch(job.cursor)

    if next_ts is None or cursor >= next_ts:
        # Forward: advance the simulator itself (a fresh simulator takes `start` as origin).
        begin = cursor if next_ts is None else next_ts
        stop = min(e, begin + chunk)
        result = generate_window(context, begin, stop, backfill_job=job.id)
        if result.outcome == "error":
            raise RuntimeError(result.error)
        return advance(job, stop, result.rows, None)

    # Replay inside the history: from the origin (or the job's saved state) up to the window.
    origin = origin_of(context)
    if origin > s:
        # The origin moved after the job was created (a first tick, a reset, a config change).
        raise ServiceError({"start": f"before the simulator's origin {from_epoch(origin):%Y-%m-%dT%H:%MZ}"})
    if job.engine_state is None:
        replay_from, state = origin, origin_state(context)
    else:
        replay_from, state = cursor, engine.State.from_dict(job.engine_state)
    stop = min(e, next_ts, replay_from + chunk)
    batch, new_state = context.generate(replay_from, stop, state)
    rows = 0
    if stop > s:
        rows = context.write(runtime.slice_batch(batch, max(s, replay_from), stop)).rows
    return advance(job, stop, rows, new_state.to_dict())


def advance(job, cursor_epoch, rows, engine_state):
    with transaction.atomic():
        job.cursor = from_epoch(cursor_epoch)
        job.rows_written += rows
        job.engine_state = engine_state
        job.save(update_fields=["cursor", "rows_written", "engine_state", "updated_at"])
    return rows
