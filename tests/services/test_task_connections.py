"""What a worker process does with its project-database session after a task
(services/task_connections): kept when clean, closed otherwise; and a simulator lock that
cannot be released closes its session, so no lock outlives it."""

import pytest
from django.db import DatabaseError, connection, connections

from simulator_app.services import locks, task_connections

pytestmark = pytest.mark.django_db(transaction=True)


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def advisory_locks_held(simulator_id):
    """Counted from another session, as another worker would see them."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                           " AND classid = %s AND objid = %s",
                           [locks.LOCK_NAMESPACE, simulator_id])
            return cursor.fetchone()[0]
    finally:
        other.close()


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the session rules are PostgreSQL's (SQLite closes after every task)")


def test_a_clean_session_serves_the_next_task():
    pid = backend_pid()
    task_connections.after_task(succeeded=True)
    task_connections.before_task()
    assert backend_pid() == pid


def test_a_failed_task_closes_its_session():
    pid = backend_pid()
    task_connections.after_task(succeeded=False)
    assert connection.connection is None
    assert backend_pid() != pid


def test_a_session_left_inside_a_transaction_is_closed_and_its_locks_die_with_it():
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN")
    raw.execute("SELECT pg_advisory_lock(%s, %s)", [locks.LOCK_NAMESPACE, 424242])
    assert advisory_locks_held(424242) == 1
    task_connections.after_task(succeeded=True)
    assert connection.connection is None
    assert advisory_locks_held(424242) == 0


def test_an_aged_session_is_closed_before_the_next_task():
    pid = backend_pid()
    connection.close_at = 0  # past CONN_MAX_AGE
    task_connections.before_task()
    assert backend_pid() != pid


def test_a_lock_that_cannot_be_released_closes_the_session_that_holds_it():
    with pytest.raises(DatabaseError):
        with locks.simulator_lock(515151) as acquired:
            assert acquired and advisory_locks_held(515151) == 1
            raw = connection.connection
            raw.execute("BEGIN")
            with pytest.raises(Exception):
                raw.execute("SELECT 1/0")  # the session is now in a failed transaction
            raise DatabaseError("the run failed")  # and the unlock cannot run in it
    assert advisory_locks_held(515151) == 0
    assert connection.connection is None
