"""How far back a simulator's history may reach: `HSIM_HISTORY_HORIZON_DAYS` before now, and
never before 1970-01-01 UTC (the value tables' epoch arithmetic, and no building's data).

One rule for every way history gets made: a backfill start (API and command, through
`services.backfill.create_job`) and the catch-up of a simulator that starts after a long stop
(`services.tick.run_tick`): older history comes only from an explicit backfill, so one request
never queues decades of intervals.
"""

import logging
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .activity import log_event
from .errors import FieldError
from .intervals import from_epoch, to_epoch

EPOCH = datetime(1970, 1, 1, tzinfo=dt_timezone.utc)
log = logging.getLogger(__name__)


def horizon_days():
    return max(1, int(settings.HSIM_HISTORY_HORIZON_DAYS))


def earliest(now=None):
    """The earliest time history may start at `now`."""
    now = now or timezone.now()
    days = horizon_days()
    if days >= (now - EPOCH).days:
        return EPOCH  # also keeps `now - days` from overflowing for absurd settings
    return now - timedelta(days=days)


# A catch-up in progress runs far faster than real time; this slack keeps the horizon, which
# moves with the clock, from cutting it again on every chained tick.
CATCH_UP_GRACE = timedelta(hours=1)


def catch_up_floor(last_ts, now):
    """The earliest interval a tick may catch up at `now`: the horizon, when the simulator's
    last interval lies before it (by more than the grace); else None (no limit)."""
    limit = earliest(now)
    if last_ts is None or last_ts >= limit - CATCH_UP_GRACE:
        return None
    return limit


def check_start(start, now=None):
    """Refuse a history start before the horizon, naming the field `start` (before any
    arithmetic on it: a start in year 1 must never reach the engine)."""
    limit = earliest(now)
    if to_epoch(start) < to_epoch(limit):  # to_epoch refuses a naive start
        raise FieldError(
            "start",
            f"must be at or after {limit:%Y-%m-%dT%H:%MZ}: history reaches back at most"
            f" {horizon_days()} days (HSIM_HISTORY_HORIZON_DAYS) and never before 1970-01-01",
        )


def check_gap(first_due, now=None):
    """Refuse a backfill that would generate forward from `first_due` (the interval after a
    simulator's last one) when that lies before the horizon: it would write everything since."""
    limit = earliest(now)
    if to_epoch(first_due) < to_epoch(limit):
        raise FieldError(
            "start",
            f"the simulator's history stops at {first_due:%Y-%m-%dT%H:%MZ}, and a backfill after"
            " it generates everything since, back past the history horizon"
            f" {limit:%Y-%m-%dT%H:%MZ} (HSIM_HISTORY_HORIZON_DAYS={horizon_days()}): start the"
            " simulator first (its catch-up begins at the horizon), or reset it",
        )


def skip_to_horizon(context, window, now):
    """Continue a simulator whose catch-up would start before the horizon at the horizon.

    The skipped intervals are never generated; the engine state carries on from where it
    stopped (totalizers never go back), and the horizon becomes the simulator's new origin
    with that state, as a configuration change does (services.simulators.rebase), so replays
    never run through the skipped span. Logged with how much was skipped.
    """
    step = window.interval_seconds
    state = context.state
    engine_state = dict(context.engine_state().to_dict())
    engine_state["last_end"] = window.start
    skipped_from = window.start - window.skipped * step
    log.warning("simulator %s: catch-up skips %s interval(s) older than the history horizon",
                context.simulator.poller_id, window.skipped)
    with transaction.atomic():
        state.engine_state = engine_state
        state.last_run_timestamp = from_epoch(window.start - step)
        state.config = {
            **(state.config or {}),
            "origin": from_epoch(window.start).isoformat(),
            "origin_state": engine_state,
        }
        state.save(update_fields=["engine_state", "last_run_timestamp", "config", "updated_at"])
        log_event(
            context.simulator.poller_id,
            "gap_fill",
            f"Skipped {window.skipped} interval(s) {from_epoch(skipped_from):%Y-%m-%d %H:%M} to"
            f" {from_epoch(window.start):%Y-%m-%d %H:%M} UTC ({describe(window.skipped * step)}):"
            f" catch-up reaches back at most {horizon_days()} days (HSIM_HISTORY_HORIZON_DAYS);"
            f" history continues from {from_epoch(window.start):%Y-%m-%d %H:%M} UTC",
            skipped_intervals=window.skipped,
            skipped_from=from_epoch(skipped_from).isoformat(),
            skipped_to=from_epoch(window.start).isoformat(),
            horizon_days=horizon_days(),
            at=now.isoformat(),
        )


def describe(seconds):
    days = seconds / 86400
    return f"{days:,.1f} days" if days >= 1 else f"{seconds / 3600:,.1f} hours"
