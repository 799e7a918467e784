"""Ticks reuse one value-database writer per process: no new connection and no DDL check per
tick, a dropped connection or dropped tables recovered on the next tick with nothing lost."""

import os
from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.intervals import to_epoch
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import run_tick
from simulator_app.services.value_databases import (
    default_database_url,
    reset_shared_writer,
    shared_writer,
)
from simulator_app.storage import ddl
from simulator_app.tasks import open_own_value_connections

from .conftest import T0, expected_rows, stored_rows

Q = timedelta(minutes=15)


def storage_backends():
    """Backend pids of hsim's value-database connections to this test database."""
    with psycopg.connect(default_database_url(), autocommit=True) as conn:
        return {pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'hsim-storage'")}


def primary_pid():
    return shared_writer().primary.connection().info.backend_pid


def test_a_second_tick_opens_no_new_value_database_connection(running):
    assert run_tick(running.poller_id, now=T0).outcome == "generated"
    first = primary_pid()
    backends = storage_backends()
    assert first in backends
    for i in range(1, 4):
        assert run_tick(running.poller_id, now=T0 + i * Q).outcome == "generated"
    assert primary_pid() == first
    assert storage_backends() == backends  # not one connection more, none replaced


def test_the_value_table_ddl_runs_once_per_process_and_org(db, unique_key):
    simulators = []
    for name in ("a", "b"):
        simulator = create_simulator(create_org(unique_key("dd" + name)), "Tower", None, 15)
        lifecycle.start(simulator, run_first_tick=False)
        simulators.append(simulator)
    reset_shared_writer()  # provisioning used its own writer: start from a fresh process view
    for i in range(3):
        for simulator in simulators:
            assert run_tick(simulator.poller_id, now=T0 + i * Q).outcome == "generated"
    assert shared_writer().primary.ddl_checks == 2  # one per org, not one per tick


def test_a_dropped_connection_is_recovered_on_the_next_tick_with_nothing_lost(running):
    assert run_tick(running.poller_id, now=T0).outcome == "generated"
    victim = primary_pid()
    with psycopg.connect(default_database_url(), autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (victim,)).fetchone()[0]
    result = run_tick(running.poller_id, now=T0 + Q)
    assert (result.outcome, result.error) == ("generated", "")
    assert primary_pid() != victim
    state = SimulatorState.objects.get(simulator_id=running.poller_id)
    assert (state.status, state.last_run_timestamp) == ("running", T0 + Q)
    assert stored_rows(running) == expected_rows(running, T0, T0 + 2 * Q)


def test_value_tables_dropped_since_the_ddl_check_are_created_again(running):
    assert run_tick(running.poller_id, now=T0).outcome == "generated"
    values, current = ddl.table_names(running.org.key)
    with psycopg.connect(default_database_url(), autocommit=True) as admin:
        admin.execute(f'DROP TABLE "{ddl.SCHEMA}"."{values}", "{ddl.SCHEMA}"."{current}"')
    result = run_tick(running.poller_id, now=T0 + Q)
    assert result.outcome == "generated", result.error
    rows = stored_rows(running)
    assert {ts for _, ts, *_ in rows} == {to_epoch(T0 + Q) * 1_000_000}
    assert len(rows) == result.rows


def test_a_forked_worker_child_opens_its_own_connection_and_leaves_the_parents_alone(running):
    assert run_tick(running.poller_id, now=T0).outcome == "generated"
    parent_pid = primary_pid()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the prefork pool's child: worker_process_init, then a tick's writer
        # (no Django query here: the child must not use the parent's Django connection, and
        # os._exit runs no finalizer that could close it)
        code = 1
        try:
            open_own_value_connections()
            os.write(write, str(primary_pid()).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(child, 0)
    child_pid = int(os.read(read, 64).decode() or 0)
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    assert child_pid and child_pid != parent_pid
    # The parent's session survived the child (nothing closed or terminated it).
    assert primary_pid() == parent_pid
    assert run_tick(running.poller_id, now=T0 + Q).outcome == "generated"
    assert primary_pid() == parent_pid


@pytest.mark.django_db(transaction=True)
def test_state_and_event_written_in_one_statement_match_what_the_orm_writes(clean_core,
                                                                           unique_key):
    simulator = create_simulator(create_org(unique_key("rt")), "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    assert not connection.in_atomic_block  # the worker's case: the one-statement path
    result = run_tick(simulator.poller_id, now=T0)
    assert result.outcome == "generated"
    state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
    assert state.last_run_timestamp == T0 and state.error_message is None
    assert state.engine_state and state.totalizers == state.engine_state.get("totalizers")
    assert state.config["origin"] == T0.isoformat()
    event = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="generation")
    assert event.details["rows"] == result.rows and event.details["intervals"] == 1
    assert event.created_at is not None and event.timestamp >= state.updated_at - Q
    assert run_tick(simulator.poller_id, now=T0 + Q).outcome == "generated"
    assert ActivityLog.objects.filter(simulator_id=simulator.poller_id,
                                      event_type="generation").count() == 2
    assert stored_rows(simulator) == expected_rows(simulator, T0, T0 + 2 * Q)
