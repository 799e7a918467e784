"""A tick: generate every interval that is due, write it everywhere, then advance the state.

DESIGN.md section 5. The order matters: nothing about a chunk counts as done until the
primary value database committed it; only then is the state advanced and the run logged.
"""

import logging
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Simulator
from ..models.state import RUNNING
from . import clock, error_text, history_horizon, org_deletion, recovery, runtime
from .activity import log_event
from .intervals import due_window, from_epoch
from .locks import simulator_lock
from .progress_write import save_state_and_log

log = logging.getLogger(__name__)


@dataclass
class TickResult:
    simulator_id: int
    outcome: str  # generated | nothing_due | busy | not_running | missing | org_gone | error
    intervals: int = 0
    rows: int = 0
    remaining: int = 0
    duration_ms: float = 0.0
    error: str = ""
    databases: list = field(default_factory=list)

    def as_dict(self):
        return asdict(self)


def run_tick(simulator_id, now=None, cap=None):
    """Generate what is due for one simulator; the caller queues a follow-up if `remaining`."""
    now = now or timezone.now()
    cap = cap or settings.HSIM_MAX_INTERVALS_PER_TICK
    with simulator_lock(simulator_id) as acquired:
        if not acquired:
            log.info("simulator %s: another run holds the lock; skipping", simulator_id)
            return TickResult(simulator_id, "busy")
        try:
            context = runtime.load(simulator_id)
        except (Simulator.DoesNotExist, runtime.OrgGone):
            # Stopped and unscheduled with an event that says why (org deleted, or gone).
            return TickResult(simulator_id, org_deletion.stop_orphan(simulator_id))
        except Exception as exc:  # a broken configuration must surface like any failure
            return record_load_failure(simulator_id, exc)
        if context.state.status != RUNNING:
            return TickResult(simulator_id, "not_running")
        # Never past the database's clock (read by the load's query on PostgreSQL).
        now = clock.trusted_now(simulator_id, now, context.database_now)
        last_ts = context.state.last_run_timestamp
        window = due_window(last_ts, now, context.interval_seconds, cap,
                            earliest=history_horizon.catch_up_floor(last_ts, now))
        if window is None:
            return TickResult(simulator_id, "nothing_due")
        if window.skipped:  # a long stop: catch up from the history horizon only
            history_horizon.skip_to_horizon(context, window, now)
        return generate_window(context, window.start, window.end, window.remaining, now)


def generate_window(context, start, end, remaining=0, now=None, backfill_job=None):
    """Generate [start, end) from the simulator's state, write it, save the new state.

    `backfill_job` tags the run's event, so metrics tell backfill rows from tick rows."""
    now = now or timezone.now()
    simulator_id = context.simulator.poller_id
    began = time.perf_counter()
    try:
        batch, new_state = context.generate(start, end)
        report = context.write(batch)
    except Exception as exc:  # every failure must surface in state and the log
        return record_failure(context, start, end, exc, began)
    duration_ms = round((time.perf_counter() - began) * 1000, 1)
    intervals = len(batch.ts)
    last_ts = from_epoch(int(batch.ts[-1]))
    event = "gap_fill" if intervals > 1 else "generation"
    # State and event together, in one round trip (one statement on PostgreSQL).
    save_state_and_log(
        context.state, context.apply_progress(new_state, from_epoch(start), last_ts),
        simulator_id,
        event,
        f"Generated {intervals} interval(s) {from_epoch(start):%Y-%m-%d %H:%M} to"
        f" {last_ts:%Y-%m-%d %H:%M} UTC, {report.rows} rows",
        start=from_epoch(start).isoformat(),
        end=from_epoch(end).isoformat(),
        intervals=intervals,
        rows=report.rows,
        point_count=len(batch.points),
        duration_ms=duration_ms,
        lag_seconds=round((now - last_ts).total_seconds(), 1),
        remaining=remaining,
        databases=report.databases,
        **({"backfill_job": backfill_job} if backfill_job else {}),
    )
    return TickResult(
        simulator_id,
        "generated",
        intervals=intervals,
        rows=report.rows,
        remaining=remaining,
        duration_ms=duration_ms,
        databases=report.databases,
    )


def record_load_failure(simulator_id, exc):
    message = error_text.public_message(exc)  # the raw text: the server log only
    log.exception("simulator %s: cannot load its configuration", simulator_id)
    with transaction.atomic():
        runtime.mark_error(simulator_id, message)
        log_event(simulator_id, "error", f"Cannot run; simulator stopped in error: {message}",
                  error=message, primary=False)
    return TickResult(simulator_id, "error", error=message)


def record_failure(context, start, end, exc, began):
    simulator_id = context.simulator.poller_id
    message = error_text.public_message(exc)  # the raw text: the server log only
    log.exception("simulator %s: generation of %s..%s failed", simulator_id, start, end)
    primary = runtime.is_primary_failure(exc)
    with transaction.atomic():
        context.mark_error(message)
        # A primary outage: resume by itself once the primary answers (HSIM_AUTO_RESUME).
        resume_at = recovery.after_primary_failure(simulator_id, message) if primary else None
        log_event(
            simulator_id,
            "error",
            f"Generation failed; simulator stopped in error: {message}" + (
                f" (resumes by itself from {resume_at:%H:%M:%S} UTC once the primary answers)"
                if resume_at else ""),
            start=from_epoch(start).isoformat(),
            end=from_epoch(end).isoformat(),
            error=message,
            primary=primary,
            auto_resume_at=resume_at.isoformat() if resume_at else None,
        )
    return TickResult(
        simulator_id,
        "error",
        error=message,
        duration_ms=round((time.perf_counter() - began) * 1000, 1),
    )

