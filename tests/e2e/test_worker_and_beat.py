"""A real Celery worker with its beat, on Redis and PostgreSQL, running two simulators."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

from simulator_app.models import SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

from ..services.conftest import stored_rows

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def worker_env():
    db = connection.settings_dict
    url = f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, CELERY_BROKER_URL=REDIS_URL,
                DJANGO_SETTINGS_MODULE="hsim_project.settings")


@pytest.fixture
def worker(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    log = open(tmp_path / "worker.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hsim_project", "worker", "-B", "-E",
         "--loglevel=INFO", "--concurrency=2", "-s", str(tmp_path / "beat-schedule")],
        cwd=ROOT, env=worker_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield process, tmp_path / "worker.log"
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(predicate, timeout, what, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_and_beat_keep_two_simulators_generating(clean_core, unique_key, worker):
    process, log = worker
    org = create_org(unique_key("e2e"))
    simulators = [create_simulator(org, f"Building {n}", None, 1) for n in range(2)]
    for simulator in simulators:
        lifecycle.start(simulator)  # queues the first tick; beat fires every minute after

    def last_runs():
        return [
            SimulatorState.objects.get(simulator_id=s.poller_id).last_run_timestamp
            for s in simulators
        ]

    wait_for(lambda: all(last_runs()), 60, "first ticks", log)
    first = last_runs()
    assert all(len(stored_rows(s)) > 0 for s in simulators)
    # Beat's own firings: each simulator's state advances to a later interval.
    wait_for(lambda: all(b > a for a, b in zip(first, last_runs())), 150, "beat ticks", log)
    assert process.poll() is None
    for simulator in simulators:
        state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
        assert state.status == "running" and state.error_message is None
