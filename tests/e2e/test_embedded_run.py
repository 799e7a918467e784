"""The README's run command on the embedded default: SQLite, filesystem broker, no services."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status
    except OSError:
        return None


def generation_events(db_path):
    if not db_path.exists():
        return 0
    db = sqlite3.connect(db_path, timeout=30)
    try:
        return db.execute(
            "SELECT count(*) FROM core_simulator_activity_log WHERE event_type = 'generation'"
        ).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def processes_of_run(var_dir):
    """PIDs of python processes started with this run's HSIM_VAR_DIR."""
    found = []
    for pid in subprocess.run(["pgrep", "-f", "hsim_project|manage.py"], capture_output=True,
                              text=True).stdout.split():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"HSIM_VAR_DIR={var_dir}".encode() in environ:
            found.append(int(pid))
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_hsim_run_serves_generates_and_stops_everything_it_started(tmp_path, stop_signal):
    web, flower = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(HSIM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    log = open(tmp_path / "run.log", "w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "hsim_run", "--port", str(web), "--flower-port",
         str(flower), "--history-days", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    db_path = tmp_path / "hsim.sqlite3"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            ready = (get(f"http://127.0.0.1:{web}/healthz") == 200
                     and get(f"http://127.0.0.1:{flower}/") == 200
                     and generation_events(db_path) >= 1)
            if ready:
                break
            assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(1)
        else:
            pytest.fail("hsim_run did not come up:\n" + (tmp_path / "run.log").read_text()[-3000:])
        assert get(f"http://127.0.0.1:{web}/admin/login/") == 200
        assert len(processes_of_run(tmp_path)) >= 4  # hsim_run, web, worker (+ beat), Flower
        db = sqlite3.connect(db_path, timeout=30)
        assert db.execute("SELECT count(*) FROM values_demo").fetchone()[0] > 96 * 400
        assert db.execute("SELECT count(*) FROM values_demo_current").fetchone()[0] > 400
        db.close()
    finally:
        process.send_signal(stop_signal)  # SIGINT is what Ctrl-C sends
        try:
            process.wait(timeout=60)
        finally:
            log.close()
    output = (tmp_path / "run.log").read_text()
    assert "login admin / hsim-admin" in output
    for port in (web, flower):
        assert get(f"http://127.0.0.1:{port}/") is None  # nothing left serving
    assert processes_of_run(tmp_path) == []  # no web, worker, beat or Flower left behind
