"""A real Celery worker with its beat, on Redis and PostgreSQL, running two simulators."""

import pytest

from simulator_app.models import SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

from ..services.conftest import stored_rows
from .workers import start_worker_with_beat, stop, wait_for, worker_env
from .workers import REDIS_URL, ROOT  # noqa: F401 (test_sharded_workers imports them here)


@pytest.fixture
def worker(tmp_path):
    process, log_path = start_worker_with_beat(tmp_path, worker_env(), "-E", "--concurrency=2")
    yield process, log_path
    stop(process)


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
