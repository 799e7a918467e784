"""A real beat process (simulator_app.beat.scheduler:HsimScheduler from settings): it fires
interval tasks on their grid after a crash and restart, and it outlives a database outage.

Fire times are read from beat's own log ("Sending due task"); the assertion is *where on the
grid* a send happened (its phase, with a generous tolerance), not how fast anything ran.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ..netfakes import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PERIOD = 20  # seconds
OFFSET = 1  # the grid: anchor + k x PERIOD, anchor 1 s after a multiple of PERIOD
TOLERANCE = 3.0
SENT = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/\w+\] "
                  r"Scheduler: Sending due task grid-probe ")

pytestmark = pytest.mark.django_db(transaction=True)


def database_url(host=None, port=None):
    db = connection.settings_dict
    return (f"postgresql://{db['USER'] or 'postgres'}@{host or db['HOST'] or '127.0.0.1'}:"
            f"{port or db['PORT'] or 5432}/{db['NAME']}")


class Beat:
    """One beat process; restartable, killable like a crash."""

    def __init__(self, tmp_path, url):
        self.log_path = tmp_path / "beat.log"
        self.env = dict(os.environ, DATABASE_URL=url, CELERY_BROKER_URL=REDIS_URL, TZ="UTC",
                        SECRET_KEY=secrets.token_urlsafe(48),
                        DJANGO_SETTINGS_MODULE="hsim_project.settings")
        self.process = None

    def start(self):
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hsim_project", "beat", "--loglevel=INFO"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()

    def kill(self):
        self.process.send_signal(signal.SIGKILL)  # a crash: nothing synced on the way out
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def sends(self):
        return [datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=timezone.utc)
                for m in SENT.finditer(self.log())]

    def wait_for_sends(self, count, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.sends()) >= count:
                return self.sends()
            if self.process.poll() is not None:
                pytest.fail(f"beat exited ({self.process.returncode}):\n{self.log()[-4000:]}")
            time.sleep(0.5)
        pytest.fail(f"timed out waiting for {count} sends; beat log:\n{self.log()[-4000:]}")


@pytest.fixture
def grid_task():
    """An interval task every PERIOD s, anchored like services/schedule.py phases simulators."""
    now = datetime.now(timezone.utc)
    anchor = datetime.fromtimestamp(int(now.timestamp()) // PERIOD * PERIOD - 10 * PERIOD
                                    + OFFSET, tz=timezone.utc)
    every = IntervalSchedule.objects.create(every=PERIOD, period=IntervalSchedule.SECONDS)
    # Never runs anywhere: beat only sends it (no worker listens in these tests).
    PeriodicTask.objects.create(name="grid-probe", task="hsim.tests.grid_probe", interval=every,
                                start_time=anchor, expire_seconds=PERIOD)
    return anchor


@pytest.fixture
def beat_factory(tmp_path):
    started = []

    def make(url):
        started.append(Beat(tmp_path, url))
        return started[-1]

    yield make
    for beat in started:
        beat.stop()


def phase(sent, anchor):
    """Seconds after the newest grid point (folded into [-PERIOD/2, PERIOD/2))."""
    offset = (sent - anchor).total_seconds() % PERIOD
    return offset - PERIOD if offset >= PERIOD / 2 else offset


def wait_until_phase(anchor, wanted):
    now = datetime.now(timezone.utc)
    time.sleep((wanted - (now - anchor).total_seconds()) % PERIOD)


def test_after_a_crash_and_restart_beat_fires_on_the_grid_again(grid_task, beat_factory):
    beat = beat_factory(database_url())
    beat.start()
    beat.wait_for_sends(1, 60)
    beat.kill()
    # What a beat that drifted (or restarted off the grid) leaves behind: its last send half
    # a period off the grid. Upstream goes on from there (last + n x PERIOD), forever off.
    wait_until_phase(grid_task, PERIOD / 2 + 0.5)
    now = datetime.now(timezone.utc)
    off_grid = grid_task + timedelta(
        seconds=(now - grid_task).total_seconds() // PERIOD * PERIOD + PERIOD / 2)
    PeriodicTask.objects.filter(name="grid-probe").update(last_run_at=off_grid)
    before = len(beat.sends())

    beat.start()
    sends = beat.wait_for_sends(before + 2, 90)[before:]

    phases = [round(phase(s, grid_task), 2) for s in sends]
    assert all(abs(p) <= TOLERANCE for p in phases), phases


def test_beat_started_while_the_database_is_down_waits_for_it_and_then_sends(
        grid_task, beat_factory):
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    proxy.cut()
    beat = beat_factory(database_url("127.0.0.1", proxy.port))
    try:
        beat.start()
        deadline = time.monotonic() + 60
        while "database unavailable" not in beat.log() and time.monotonic() < deadline:
            assert beat.process.poll() is None, beat.log()[-4000:]
            time.sleep(0.5)
        assert "database unavailable" in beat.log(), beat.log()[-4000:]
        assert beat.process.poll() is None  # waiting, not dead

        proxy.thaw()
        sends = beat.wait_for_sends(2, 60)

        assert beat.process.poll() is None and "CRITICAL" not in beat.log()
        assert all(abs(phase(s, grid_task)) <= TOLERANCE for s in sends[1:])
    finally:
        proxy.close()


def test_the_scheduler_survives_an_outage_during_a_full_reload(grid_task):
    """The in-process scheduler: a reload that meets the database down is retried, not
    raised (upstream's escapes tick() and beat exits with CRITICAL)."""
    from hsim_project.celery import app
    from simulator_app.beat.scheduler import HsimScheduler

    scheduler = HsimScheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    assert "grid-probe" in scheduler.schedule
    settings = connection.settings_dict
    saved = settings["HOST"], settings["PORT"]
    proxy = TcpProxy(saved[0] or "127.0.0.1", int(saved[1] or 5432))
    try:
        connection.close()
        settings["HOST"], settings["PORT"] = "127.0.0.1", proxy.port
        proxy.cut()
        scheduler._last_full_sync = datetime.now() - timedelta(hours=1)  # a reload is due

        assert scheduler.tick() == HsimScheduler.retry_seconds

        proxy.thaw()
        scheduler._last_full_sync = datetime.now() - timedelta(hours=1)
        scheduler.tick()
        assert "grid-probe" in scheduler.schedule
    finally:
        connection.close()
        settings["HOST"], settings["PORT"] = saved
        proxy.close()
