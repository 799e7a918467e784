"""A simulator's metrics, from its activity log and the value databases' status.

Each tick logs a `generation` (one interval) or `gap_fill` (several) event whose details carry
rows, intervals, duration_ms, lag_seconds and the per-database outcome. Totals count from the
last reset (a reset starts the simulator over). Backfill runs carry details.backfill_job:
totals count tick events only (those with a duration and no backfill job) and backfills are
reported apart, from their jobs.
"""

from datetime import timedelta

import numpy as np
from django.db.models import BigIntegerField, Count, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from ..models import ActivityLog, BackfillJob, SimulatorEntity, SimulatorState
from ..models.state import RUNNING, STOPPED
from .health import value_database_status

RUN_EVENTS = ("generation", "gap_fill")
WINDOW = timedelta(hours=24)
WINDOW_MAX_RUNS = 2000  # bounds the percentile computation on a 1-minute simulator


def _int_sum(key):
    return Sum(Cast(KT(f"details__{key}"), BigIntegerField()))


def _percentile(values, q):
    return round(float(np.percentile(values, q)), 1) if values else None


def simulator_metrics(simulator, now=None, probe_databases=True):
    now = now or timezone.now()
    sim_id = simulator.poller_id
    state = SimulatorState.objects.filter(simulator_id=sim_id).first()
    events = ActivityLog.objects.filter(simulator_id=sim_id)
    last_reset = events.filter(event_type="reset").order_by("-timestamp").first()
    since = last_reset.timestamp if last_reset else None
    if since is not None:
        events = events.filter(timestamp__gt=since)
    runs = events.filter(event_type__in=RUN_EVENTS, details__has_key="duration_ms").exclude(
        details__has_key="backfill_job"
    )
    totals = runs.aggregate(runs=Count("id"), rows=_int_sum("rows"),
                            intervals=_int_sum("intervals"))
    window = list(
        runs.filter(timestamp__gte=now - WINDOW)
        .order_by("-timestamp", "-id")
        .values_list("details", flat=True)[:WINDOW_MAX_RUNS]
    )
    durations = [float(d["duration_ms"]) for d in window if d.get("duration_ms") is not None]
    window_rows = sum(int(d.get("rows") or 0) for d in window)
    window_intervals = sum(int(d.get("intervals") or 0) for d in window)
    last = runs.order_by("-timestamp", "-id").first()
    started = events.filter(event_type="start").order_by("-timestamp").first()
    status = state.status if state else STOPPED
    last_ts = state.last_run_timestamp if state else None
    backfills = BackfillJob.objects.filter(simulator_id=sim_id)
    if since is not None:
        backfills = backfills.filter(created_at__gt=since)
    return {
        "simulator_id": sim_id,
        "status": status,
        "since": since,
        "running_since": started.timestamp if started and status == RUNNING else None,
        "points": SimulatorEntity.objects.filter(
            simulator_id=sim_id, is_point=True, disabled_at__isnull=True).count(),
        "last_run_timestamp": last_ts,
        "lag_seconds": round((now - last_ts).total_seconds(), 1) if last_ts else None,
        "total_runs": totals["runs"] or 0,
        "total_rows": totals["rows"] or 0,
        "total_intervals": totals["intervals"] or 0,
        "last_run": None if last is None else {
            "at": last.timestamp,
            "event_type": last.event_type,
            "rows": last.details.get("rows"),
            "intervals": last.details.get("intervals"),
            "duration_ms": last.details.get("duration_ms"),
            "lag_seconds": last.details.get("lag_seconds"),
        },
        "window": {
            "hours": WINDOW.total_seconds() / 3600,
            "runs": len(window),
            "rows": window_rows,
            "duration_ms_p50": _percentile(durations, 50),
            "duration_ms_p99": _percentile(durations, 99),
            "rows_per_interval": round(window_rows / window_intervals, 1)
            if window_intervals else None,
        },
        "error_count_24h": ActivityLog.objects.filter(
            simulator_id=sim_id, event_type="error", timestamp__gte=now - WINDOW).count(),
        "backfill_rows": backfills.aggregate(rows=Sum("rows_written"))["rows"] or 0,
        # Ticks that found the worker's clock ahead of the database's (services/clock.py).
        "clock_skew_events_24h": ActivityLog.objects.filter(
            simulator_id=sim_id, event_type="clock_skew", timestamp__gte=now - WINDOW).count(),
        "databases": value_database_status(simulator.org.key, probe_reachability=probe_databases),
    }
