"""Whose clock a tick trusts: the worker's, but never far ahead of the database's.

A worker whose clock jumped forward (two hours, say) used to generate every interval up to its
own "now" (96 intervals into the future) and then nothing until real time caught up. Each tick
compares the worker's clock with the database's; past HSIM_CLOCK_TOLERANCE_SECONDS ahead, it
generates up to the database's clock instead, and records that in the activity log
(`clock_skew`, at most once per LOG_EVERY per simulator) for metrics.
"""

import logging
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import connection

from ..models import ActivityLog
from .activity import log_event

log = logging.getLogger(__name__)
EVENT = "clock_skew"
LOG_EVERY = timedelta(minutes=10)


def database_now():
    """The database server's clock (SQLite: this machine's, which is all there is)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0].astimezone(timezone.utc)
        cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        return datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=timezone.utc)


def trusted_now(simulator_id, now, db_now=None):
    """`now`, or the database's clock when `now` is more than the tolerance ahead of it.
    `db_now`: the database's clock if the caller just read it (else it is read here)."""
    db_now = database_now() if db_now is None else db_now
    ahead = (now - db_now).total_seconds()
    if ahead <= settings.HSIM_CLOCK_TOLERANCE_SECONDS:
        return now
    log.warning("simulator %s: worker clock %.0f s ahead of the database's; generating up to "
                "the database's clock", simulator_id, ahead)
    recent = ActivityLog.objects.filter(simulator_id=simulator_id, event_type=EVENT,
                                        timestamp__gte=db_now - LOG_EVERY).exists()
    if not recent:
        log_event(simulator_id, EVENT,
                  f"Worker clock {ahead:.0f} s ahead of the database's (tolerance "
                  f"{settings.HSIM_CLOCK_TOLERANCE_SECONDS} s): generating up to the "
                  f"database's clock instead", ahead_seconds=round(ahead, 1),
                  worker_now=now.isoformat(), database_now=db_now.isoformat())
    return db_now
