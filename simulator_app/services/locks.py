"""One run per simulator at a time, whatever the number of workers and machines."""

import fcntl
import logging
import time
import zlib
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

# Advisory locks are keyed by two int4: a namespace for hsim's simulator locks, then the id.
log = logging.getLogger(__name__)

LOCK_NAMESPACE = zlib.crc32(b"hsim.simulator") & 0x7FFFFFFF


@contextmanager
def simulator_lock(simulator_id, wait_seconds=0):
    """Yield True if this process now holds the simulator's lock, False if another run does.

    PostgreSQL: a session advisory lock, released on unlock or when the connection dies (a
    killed worker never leaves a simulator locked). SQLite (the single-machine embedded mode):
    an exclusive file lock, released by the OS the same way.
    """
    if connection.vendor == "postgresql":
        acquired = retry_until(wait_seconds, lambda: try_advisory_lock(simulator_id))
        try:
            yield acquired
        finally:
            if acquired:
                release_advisory_lock(simulator_id)
        return
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"simulator-{simulator_id}.lock", "w") as handle:
        if not retry_until(wait_seconds, lambda: try_flock(handle)):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def try_advisory_lock(simulator_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, simulator_id])
        return cursor.fetchone()[0]


def release_advisory_lock(simulator_id):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, simulator_id])
    except DatabaseError:
        # The connection died, and the session's locks with it, or it cannot run the unlock
        # (a query cut short by a time limit is still in flight): closing it releases the
        # lock either way, since a worker keeps its connection for the next task. The run's
        # own outcome must not be masked by this.
        log.warning("simulator %s: could not unlock; closing the connection", simulator_id)
        try:
            connection.close()
        except DatabaseError:
            pass


def try_flock(handle):
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def retry_until(wait_seconds, attempt, pause=0.2):
    deadline = time.monotonic() + wait_seconds
    while True:
        if attempt():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
