"""A real beat process (HsimScheduler) and a real worker, simulators at a 1-minute interval:
sends land on each simulator's grid, a start and a stop in mid-run are applied without a full
reload, and no task-interval is sent or run twice.

Sends are read from beat's send log (HSIM_BEAT_SEND_LOG: sent at, grid point, task id, entry);
runs from the worker's log (each run_simulator message id it finished).
"""

import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from django.db import connection
from django_celery_beat.models import PeriodicTask

from simulator_app.beat import send_log
from simulator_app.models import SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SMALL = {"site": {"name": "Annex", "floors": 1},
         "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                       "chillers": {"count": 1}, "boilers": {"count": 1}}}
DONE = re.compile(r"Task simulator_app\.tasks\.run_simulator\[([0-9a-f-]{36})\] succeeded")

pytestmark = pytest.mark.django_db(transaction=True)


def env(tmp_path):
    db = connection.settings_dict
    url = (f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}")
    return dict(os.environ, DATABASE_URL=url, CELERY_BROKER_URL=REDIS_URL, TZ="UTC",
                SECRET_KEY=secrets.token_urlsafe(48), DJANGO_SETTINGS_MODULE="hsim_project.settings",
                HSIM_BEAT_SEND_LOG=str(tmp_path / "sends.log"))


@pytest.fixture
def processes(tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    started = []

    def start(*args):
        log = open(tmp_path / f"{args[0]}.log", "w")
        started.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hsim_project", *args, "--loglevel=INFO"],
            cwd=ROOT, env=env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))
        log.close()
        return started[-1]

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def sends(tmp_path):
    path = tmp_path / "sends.log"
    return [s for s in (send_log.read(path) if path.exists() else [])
            if s[3].startswith("simulator:")]


def state(sim):
    return SimulatorState.objects.get(simulator_id=sim.poller_id)


def wait_for(predicate, timeout, what, tmp_path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    logs = "\n".join(p.read_text()[-3000:] for p in tmp_path.glob("*.log"))
    pytest.fail(f"timed out waiting for {what}:\n{logs}")


def test_a_real_beat_sends_on_the_grid_applies_a_start_and_a_stop_and_never_doubles(
        clean_core, unique_key, processes, tmp_path):
    org = create_org(unique_key("beat"))
    sims = [create_simulator(org, f"Annex {n}", SMALL, 1) for n in range(4)]
    names = {f"simulator:{s.poller_id}": s for s in sims}
    a, b, c, late = sims
    for sim in (a, b, c):
        lifecycle.start(sim)
    processes("worker", "--concurrency=2", "-E")
    beat = processes("beat")

    def sent_for(sim):
        return [s for s in sends(tmp_path) if s[3] == f"simulator:{sim.poller_id}"]

    # Every simulator's first grid point (start_time), then the stop and the start.
    wait_for(lambda: all(sent_for(s) for s in (a, b, c)), 150, "first beat sends", tmp_path)
    wait_for(lambda: state(b).last_run_timestamp, 60, "the first tick", tmp_path)
    first_run = state(b).last_run_timestamp
    lifecycle.stop(a)
    stopped_at = time.time()
    lifecycle.start(late)
    # Two more grid points of those running; the late one's first.
    wait_for(lambda: len(sent_for(b)) >= 3 and len(sent_for(late)) >= 1, 200,
             "later beat sends", tmp_path)
    assert beat.poll() is None

    log = sends(tmp_path)
    anchors = {f"simulator:{t.args.strip('[]')}": t.start_time.timestamp()
               for t in PeriodicTask.objects.filter(name__in=names)}
    # On the grid: every send is for a grid point of its task (start_time + k x 60 s), sent
    # in that grid step (before the next point).
    for sent_at, point, _, name in log:
        assert (point - anchors[name]) % 60 == 0, (name, point, anchors[name])
        assert point <= sent_at < point + 60
    # Never doubled: one send per (task, grid point), and each sent message ran once.
    per_point = Counter((name, point) for _, point, _, name in log)
    assert max(per_point.values()) == 1, per_point
    ran = Counter(DONE.findall((tmp_path / "worker.log").read_text()))
    for _, point, task_id, name in log:
        if point < time.time() - 30:  # a message sent just now may still be running
            assert ran[task_id] == 1, (name, point, task_id, ran[task_id])
    # The stop: nothing for the stopped simulator after it (beat polls every 2 s).
    assert all(sent_at < stopped_at + 5 for sent_at, _, _, name in log
               if name == f"simulator:{a.poller_id}")
    # The start mid-run: the late simulator's sends began at its own start_time.
    assert min(p for _, p, _, n in log if n == f"simulator:{late.poller_id}") == \
        anchors[f"simulator:{late.poller_id}"]
    # And all of it without a full reload after the first.
    beat_log = (tmp_path / "beat.log").read_text()
    assert beat_log.count("beat: full load of") == 1, beat_log[-3000:]
    assert "applied" in beat_log
    # The worker generated on beat's sends: the running simulator's data moved on since the
    # first send, the stopped one stays stopped.
    wait_for(lambda: state(b).last_run_timestamp > first_run, 60, "beat's ticks", tmp_path)
    assert state(a).status == "stopped" and state(late).status == "running"
