"""A worker process keeps its project-database connection from one task to the next.

Celery's Django fix-up closes every Django connection around every task (it stopped honouring
CONN_MAX_AGE, celery#9824: a task interrupted by its time limit in mid-query leaves a
connection Django still takes for usable). A fleet's worker runs a tick every few tens of
milliseconds, and a new PostgreSQL session per tick costs the worker and the server more than
the tick's own queries. So hsim_project/celery.py turns that closing off (CELERY_DB_REUSE_MAX)
and these two hooks decide instead:

- after a task, a connection is kept only when the task succeeded, the session is idle (no
  transaction open and no command in flight: a query cut short by a time limit leaves it
  ACTIVE, INERROR or UNKNOWN), it is outside an atomic block, and Django's own rules keep it
  (CONN_MAX_AGE, errors seen); anything else is closed, so a session advisory lock an
  interrupted run could not release dies with it;
- before a task, Django's rules run again (an aged connection is closed), and with
  CONN_HEALTH_CHECKS the first query checks that the server still holds the session (a
  database restart between ticks costs one reconnect, not a failed tick).

Eager tasks (run inline by a caller) are left alone: the caller owns the connection.
"""

import logging

from django.db import DatabaseError, connections
from psycopg import pq

log = logging.getLogger(__name__)


def before_task():
    for conn in connections.all(initialized_only=True):
        conn.close_if_unusable_or_obsolete()


def after_task(succeeded):
    for conn in connections.all(initialized_only=True):
        if succeeded and is_idle(conn):
            conn.close_if_unusable_or_obsolete()
        else:
            close_quietly(conn)


def is_idle(conn):
    """True when the session can serve the next task as it is."""
    if conn.connection is None:
        return True
    if conn.in_atomic_block or conn.needs_rollback:
        return False
    if conn.vendor == "postgresql":
        return conn.connection.info.transaction_status == pq.TransactionStatus.IDLE
    return True


def close_quietly(conn):
    try:
        conn.close()
    except DatabaseError as exc:  # already broken: it is gone either way
        log.info("closing the %s database connection after a task: %s", conn.alias, exc)
