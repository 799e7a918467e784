"""Real health checks: is the simulator keeping up, and can it reach what it needs?

The upstream health endpoint answered "healthy" whatever happened, and its gateway skipped
authentication for any URL containing "/health". Here every check runs for real (with short
timeouts) and the API decides access like for any other endpoint.
"""

import logging

from django.db import connection
from django.utils import timezone

from ..models import ActivityLog, SimulatorState
from ..models.state import ERROR, RUNNING
from ..storage.errors import describe
from . import recovery
from .errors import ServiceError
from .simulator_config import spec_of
from .value_databases import multi_writer

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
log = logging.getLogger(__name__)
STALE_AFTER_INTERVALS = 2
BROKER_TIMEOUT_SECONDS = 3


def check_database():
    """The project's own database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": describe(exc)}
    return {"ok": True, "error": None}


def check_broker(timeout=BROKER_TIMEOUT_SECONDS):
    """The Celery broker accepts a connection (one attempt, no long retry loop)."""
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                   timeout=timeout)
    except Exception as exc:
        return {"ok": False, "error": describe(exc)}
    return {"ok": True, "error": None}


def probe(database):
    """Open (or reuse) the database's connection and run a trivial query."""
    try:
        database.connection().execute("SELECT 1")
    except Exception as exc:
        return describe(exc)
    return None


def timescaledb_of(database):
    """{"status", "note"} for a PostgreSQL value database (why no hypertables, if TimescaleDB
    is there but unusable); None for others or when it cannot be read."""
    info = getattr(database, "timescaledb_info", None)
    if info is None:
        return None
    try:
        return info()
    except Exception:
        return None


def value_database_status(org_key, probe_reachability=True):
    """Per value database: the storage layer's status (ok | lagging | error, lag, last error),
    plus `reachable` from a live probe. The storage layer knows the primary's status only
    from this process's own writes, so the probe is what tells a fresh process it is down."""
    try:
        writer = multi_writer()
    except Exception as exc:  # misconfigured HSIM_VALUE_DATABASES
        return [{"key": "?", "primary": True, "status": "error", "reachable": False,
                 "lag_seconds": None, "pending_from": None, "last_error": describe(exc),
                 "last_error_at": None, "last_success_at": None}]
    try:
        entries = []
        by_key = {db.key: db for db in writer.databases}
        for entry in writer.status(org_key):
            circuit_open = (entry.get("circuit") or {}).get("state") == "open"
            if circuit_open:
                # Never probe a secondary whose breaker is open: a hung one would cost this
                # request its connect timeout; the recovery probe tries it in the background.
                entry["reachable"] = False
            elif probe_reachability:
                error = probe(by_key[entry["key"]])
                entry["reachable"] = error is None
                if error is not None:
                    entry["status"], entry["last_error"] = "error", error
                else:
                    entry["timescaledb"] = timescaledb_of(by_key[entry["key"]])
            else:
                entry["reachable"] = None
            entry.setdefault("timescaledb", None)
            entries.append(entry)
        return entries
    finally:
        writer.close()


def tick_freshness(simulator, state, now):
    """How old the newest generated interval is, against what a running simulator allows."""
    try:
        interval_seconds = spec_of(simulator).interval_minutes * 60
    except ServiceError as exc:
        return {"ok": False, "reason": f"configuration is invalid: {exc}"}
    reference = state.last_run_timestamp
    if reference is None and state.status == RUNNING:
        # Never generated yet: count from when it was started.
        started = ActivityLog.objects.filter(
            simulator_id=simulator.poller_id, event_type="start"
        ).order_by("-timestamp").first()
        reference = started.timestamp if started else state.updated_at
    age = (now - reference).total_seconds() if reference else None
    limit = STALE_AFTER_INTERVALS * interval_seconds
    stale = state.status == RUNNING and age is not None and age > limit
    return {
        "ok": not stale,
        "last_run_timestamp": state.last_run_timestamp,
        "age_seconds": None if age is None else round(age, 1),
        "max_age_seconds": limit,
        "reason": f"last interval is {age:.0f} s old, more than {STALE_AFTER_INTERVALS}"
                  f" intervals ({limit} s)" if stale else None,
    }


def simulator_health(simulator, now=None):
    """{status: healthy|degraded|unhealthy, reasons, checks}. Unhealthy: the simulator is in
    error, running but stale, or its database, broker or primary value database is down.
    Degraded: a secondary value database is behind or failing (it catches up by itself)."""
    now = now or timezone.now()
    state = SimulatorState.objects.filter(simulator_id=simulator.poller_id).first()
    state = state or SimulatorState(simulator_id=simulator.poller_id)
    checks = {
        "last_tick": tick_freshness(simulator, state, now),
        "database": check_database(),
        "broker": check_broker(),
        "value_databases": value_database_status(simulator.org.key),
    }
    reasons, warnings = [], []
    if state.status == ERROR:
        reasons.append(f"simulator is in error: {state.error_message or 'unknown error'}")
    if not checks["last_tick"]["ok"]:
        reasons.append(checks["last_tick"]["reason"])
    for name in ("database", "broker"):
        if not checks[name]["ok"]:
            reasons.append(f"{name} unreachable: {checks[name]['error']}")
    notes = [f"value database {db['key']}: {db['timescaledb']['note']}"
             for db in checks["value_databases"] if (db.get("timescaledb") or {}).get("note")]
    resume = recovery.ticket_of(simulator.poller_id)
    checks["auto_resume"] = resume
    if resume and state.status == ERROR:
        notes.append(f"resumes by itself once the primary answers (attempt "
                     f"{resume['attempts'] + 1}, not before {resume['next_attempt_at']:%H:%M:%S} UTC)")
    for db in checks["value_databases"]:
        if db["status"] == "ok":
            continue
        message = f"value database {db['key']} is {db['status']}" + (
            f": {db['last_error']}" if db["last_error"] else "")
        (reasons if db["primary"] else warnings).append(message)
    status = UNHEALTHY if reasons else DEGRADED if warnings else HEALTHY
    return {
        "status": status,
        "simulator_id": simulator.poller_id,
        "simulator_status": state.status,
        "checked_at": now,
        "reasons": reasons + warnings,
        "notes": notes,
        "checks": checks,
    }


def liveness():
    """The web process is up and its database answers (docker-compose's healthcheck)."""
    return check_database()


def without_error_text(report, simulator):
    """The report with each database's or broker's own error text cut to its class name.

    That text can carry hosts, ports, users, SQL and values; the org's members see which
    database failed (its key) and how (the class), the server log keeps the words (logged
    here), staff see them in full."""
    raw = {}
    checks = dict(report["checks"])
    for name in ("database", "broker"):
        if checks[name].get("error"):
            checks[name] = {**checks[name], "error": short_error(checks[name]["error"], raw)}
    checks["value_databases"] = [
        {**db, "last_error": short_error(db["last_error"], raw)} if db.get("last_error")
        else db for db in checks["value_databases"]]
    if not raw:
        return report
    log.warning("simulator %s health: %s", simulator.poller_id, "; ".join(raw))
    reasons = list(report["reasons"])
    for text, short in raw.items():
        reasons = [reason.replace(text, short) for reason in reasons]
    return {**report, "checks": checks, "reasons": reasons}


def short_error(text, raw):
    short = text.split(":", 1)[0].strip() + " (details in the server log)"
    raw[text] = short
    return short
