"""A real Celery worker keeps one project-database session from tick to tick (Celery's Django
fix-up would open a new one for every task), and a session the server dropped between ticks
costs a reconnect, not a failed tick (services/task_connections, CONN_HEALTH_CHECKS)."""

import re
import subprocess
import sys
import time

import pytest
import redis
from celery import current_app
from django.db import connection

from simulator_app.models import SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.queue import RUN_SIMULATOR
from simulator_app.services.simulators import create_simulator

from .test_scaling_beat import SMALL
from .workers import REDIS_URL, ROOT, stop, wait_for, worker_env

DONE = re.compile(r"Task simulator_app\.tasks\.run_simulator\[[0-9a-f-]{36}\] succeeded in "
                  r"[\d.]+s: (.*)")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(tmp_path, settings):
    if settings.CELERY_BROKER_URL != REDIS_URL:
        pytest.fail(f"the test sends on {settings.CELERY_BROKER_URL}, the worker reads "
                    f"{REDIS_URL}: run with CELERY_BROKER_URL = HSIM_TEST_REDIS_URL")
    redis.Redis.from_url(REDIS_URL).flushdb()
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hsim_project", "worker", "--loglevel=INFO",
             "--concurrency=1", "-n", "keeper@%h"],
            cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    yield log_path
    stop(process)


def finished(log_path):
    return DONE.findall(log_path.read_text())


def run_ticks(simulator, count, log_path):
    """Send `count` ticks one after the other (each once the one before finished)."""
    for _ in range(count):
        done = len(finished(log_path))
        current_app.send_task(RUN_SIMULATOR, args=[simulator.poller_id])
        wait_for(lambda: len(finished(log_path)) > done, 60, "the tick", log_path)


def sessions_opened():
    """Sessions ever established to this database (the server's statistics)."""
    time.sleep(1.5)  # a session's counters reach the statistics when it flushes or exits
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def started_simulator(unique_key):
    simulator = create_simulator(create_org(unique_key("keep")), "Annex", SMALL, 1)
    lifecycle.start(simulator, run_first_tick=False)
    return simulator


def test_a_worker_runs_its_ticks_on_one_project_session(clean_core, unique_key, worker):
    simulator = started_simulator(unique_key)
    run_ticks(simulator, 2, worker)  # the worker's sessions open on its first tick
    before = sessions_opened()
    run_ticks(simulator, 10, worker)
    # With a session per task (Celery's default) this is 10 or more.
    assert sessions_opened() - before <= 1
    outcomes = finished(worker)
    assert len(outcomes) == 12 and not any("'outcome': 'error'" in o for o in outcomes), outcomes
    state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
    assert state.status == "running" and state.error_message is None


def test_a_session_the_server_dropped_between_ticks_costs_a_reconnect_not_a_failed_tick(
        clean_core, unique_key, worker):
    simulator = started_simulator(unique_key)
    run_ticks(simulator, 2, worker)
    with connection.cursor() as cursor:  # the worker's sessions (project and value writer)
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                       " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                       " AND backend_type = 'client backend'")
        assert cursor.fetchone()[0] >= 1
    before = sessions_opened()
    run_ticks(simulator, 3, worker)
    outcomes = finished(worker)
    assert len(outcomes) == 5 and not any("'outcome': 'error'" in o for o in outcomes), outcomes
    assert sessions_opened() > before  # it did reconnect
    state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
    assert state.status == "running" and state.error_message is None
