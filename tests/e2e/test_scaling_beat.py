"""A real beat process (HsimScheduler) and a real worker, simulators at a 1-minute interval:
sends land on each simulator's grid, a start, a stop, an interval change and a delete in mid-run
are applied without a full reload, and no task-interval is sent or run twice.

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
from simulator_app.services.simulators import (create_simulator, delete_simulator,
                                                update_config)

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


def test_a_real_beat_sends_on_the_grid_applies_changes_without_a_reload_and_never_doubles(
        clean_core, unique_key, processes, tmp_path):
    org = create_org(unique_key("beat"))
    sims = [create_simulator(org, f"Annex {n}", SMALL, 1) for n in range(6)]
    names = {f"simulator:{s.poller_id}": s for s in sims}
    a, b, c, gone, late, idle = sims
    for sim in (a, b, c, gone):
        lifecycle.start(sim)
    processes("worker", "--concurrency=2", "-E")
    beat = processes("beat")

    def sent_for(sim, after=0.0):
        return [s for s in sends(tmp_path) if s[3] == f"simulator:{sim.poller_id}"
                and s[0] >= after]

    # Every simulator's first grid point (start_time), then the changes.
    wait_for(lambda: all(sent_for(s) for s in (a, b, c, gone)), 150, "first beat sends",
             tmp_path)
    wait_for(lambda: state(b).last_run_timestamp, 60, "the first tick", tmp_path)
    first_run = state(b).last_run_timestamp
    anchors = {f"simulator:{t.args.strip('[]')}": t.start_time.timestamp()
               for t in PeriodicTask.objects.filter(name__in=names)}
    lifecycle.stop(a)  # a stop
    stopped_at = time.time()
    delete_simulator(gone)  # a delete
    deleted_at = time.time()
    update_config(c, interval_minutes=2)  # an interval change of a running simulator
    changed_at = time.time()
    lifecycle.start(late)  # a start
    task_c = PeriodicTask.objects.get(name=f"simulator:{c.poller_id}")
    assert task_c.interval.every == 2 and task_c.interval.period == "minutes"
    assert not PeriodicTask.objects.filter(name=f"simulator:{gone.poller_id}").exists()
    c_anchor = task_c.start_time.timestamp()
    anchors[f"simulator:{late.poller_id}"] = PeriodicTask.objects.get(
        name=f"simulator:{late.poller_id}").start_time.timestamp()
    # Two more grid points of those running, the late one's first and two of c's new grid.
    wait_for(lambda: len(sent_for(b)) >= 3 and len(sent_for(late)) >= 1
             and len(sent_for(c, after=changed_at)) >= 2, 330, "later beat sends", tmp_path)
    assert beat.poll() is None

    log = sends(tmp_path)
    # On the grid: every send is for a grid point of its task (start_time + k x interval),
    # sent in that grid step (before the next point); c's on its new 2-minute grid after the
    # change (a send already under way at the change may still be on the old one).
    for sent_at, point, _, name in log:
        if name == f"simulator:{c.poller_id}" and sent_at >= changed_at + 5:
            assert (point - c_anchor) % 120 == 0, (point, c_anchor)
            assert point <= sent_at < point + 120
        else:
            assert (point - anchors[name]) % 60 == 0, (name, point, anchors[name])
            assert point <= sent_at < point + 60
    c_new = [point for _, point, _, _ in sent_for(c, after=changed_at + 5)]
    assert c_new and min(c_new) == c_anchor
    assert all(later - earlier == 120 for earlier, later in zip(c_new, c_new[1:])), c_new
    # Never doubled: one send per (task, grid point), and each sent message ran once.
    per_point = Counter((name, point) for _, point, _, name in log)
    assert max(per_point.values()) == 1, per_point
    ran = Counter(DONE.findall((tmp_path / "worker.log").read_text()))
    for _, point, task_id, name in log:
        if point < time.time() - 30:  # a message sent just now may still be running
            assert ran[task_id] == 1, (name, point, task_id, ran[task_id])
    # The stop and the delete: nothing for them after it (beat polls every 2 s); the never
    # started simulator has no sends at all.
    assert not sent_for(a, after=stopped_at + 5)
    assert not sent_for(gone, after=deleted_at + 5)
    assert not sent_for(idle)
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
