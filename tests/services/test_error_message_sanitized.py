"""A database failure stores a clear message in simulator_state.error_message (and the
activity log): the kind of failure and which value database -- not the driver's text with
hosts, users, database names or SQL, which stays in the server log."""

import logging
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import error_text
from simulator_app.services.tick import run_tick
from simulator_app.storage.errors import PrimaryDatabaseError

from .conftest import T0

REFUSED = [{"key": "main", "url": "postgresql://hsim_user@127.0.0.1:1/secretdb",
            "primary": True}]
LEAKS = ("127.0.0.1", "port 1", "hsim_user", "secretdb", "Connection refused", "5432")


def tick_failing_with(databases, simulator, caplog):
    first = run_tick(simulator.poller_id, now=T0)
    assert first.outcome == "generated", first
    with override_settings(HSIM_VALUE_DATABASES=databases), \
            caplog.at_level(logging.ERROR, logger="simulator_app.services.tick"):
        result = run_tick(simulator.poller_id, now=T0 + timedelta(hours=1))
    assert result.outcome == "error"
    state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
    event = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="error")
    logged = caplog.text
    return state, event, logged


def test_an_unreachable_primary_is_named_with_the_kind_of_failure(running, caplog):
    state, event, logged = tick_failing_with(REFUSED, running, caplog)
    assert state.status == "error"
    assert "primary value database 'main' failed: the connection failed" in state.error_message
    assert "details in the server log" in state.error_message
    stored = state.error_message + event.message + str(event.details)
    assert not [leak for leak in LEAKS if leak in stored], stored
    assert "127.0.0.1" in logged and "Connection refused" in logged  # the detail: the log


def test_a_missing_database_says_so_without_its_name(running, caplog):
    missing = [{"key": "main", "primary": True,
                "url": "postgresql://postgres@127.0.0.1:5432/hsim_secret_missing_db"}]
    state, event, logged = tick_failing_with(missing, running, caplog)
    assert "'main' failed: the database or role does not exist" in state.error_message
    assert "hsim_secret_missing_db" not in state.error_message + event.message
    assert "hsim_secret_missing_db" in logged


def test_sql_and_its_tables_stay_out_of_the_message(db):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT secret_column FROM core.secret_table WHERE x = 'secret'")
    except DatabaseError as exc:
        message = error_text.public_message(PrimaryDatabaseError("main", exc))
    assert "secret" not in message.lower() and "select" not in message.lower()
    assert message.startswith("PrimaryDatabaseError: primary value database 'main' failed:")
    assert "a table is missing" in message and "ProgrammingError" in message


def test_a_failure_of_hsims_own_is_stored_as_it_is():
    message = error_text.public_message(RuntimeError(
        "simulator 7 has no entity for 2 point(s), e.g. ahu1.sat: provision it again"))
    assert message == ("RuntimeError: simulator 7 has no entity for 2 point(s), e.g. ahu1.sat:"
                       " provision it again")


@pytest.mark.parametrize("length", [10_000])
def test_a_long_message_is_cut(length):
    assert len(error_text.public_message(ValueError("x" * length))) <= error_text.MAX_LENGTH


def test_a_failed_backfill_job_stores_the_same_clear_message(running, caplog):
    from simulator_app.models import BackfillJob
    from simulator_app.services import backfill

    assert run_tick(running.poller_id, now=T0).outcome == "generated"
    job = backfill.create_job(running, T0, T0 + timedelta(minutes=15), now=T0 + timedelta(hours=1))
    with override_settings(HSIM_VALUE_DATABASES=REFUSED), pytest.raises(PrimaryDatabaseError):
        backfill.run_job(job.id)  # a replay inside the history: written directly
    job.refresh_from_db()
    assert job.status == BackfillJob.FAILED
    assert "primary value database 'main' failed: the connection failed" in job.error_message
    assert not [leak for leak in LEAKS if leak in job.error_message], job.error_message
    assert "127.0.0.1" in caplog.text
