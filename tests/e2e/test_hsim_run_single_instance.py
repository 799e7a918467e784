"""A second `hsim_run` on the same HSIM_VAR_DIR refuses to start (exit 2, naming the run that
holds it) instead of starting a second beat and worker on the same database and broker; the
first keeps running, and once it stopped a new run starts again."""

import signal
import subprocess
import sys
import time

from .test_embedded_run import free_port, get
from .test_embedded_run_console import READY, ROOT, embedded_env


def start_run(var_dir, log_path):
    web, flower = free_port(), free_port()
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "hsim_run", "--port", str(web), "--flower-port",
         str(flower), "--history-days", "0"],
        cwd=ROOT, env=embedded_env(var_dir), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, web, log


def wait_ready(process, log_path):
    deadline = time.monotonic() + 180
    while READY not in log_path.read_text():
        assert process.poll() is None, log_path.read_text()[-3000:]
        assert time.monotonic() < deadline, log_path.read_text()[-3000:]
        time.sleep(0.5)


def test_a_second_run_on_the_same_var_dir_exits_2_and_leaves_the_first_running(tmp_path):
    var_dir = tmp_path / "var"
    first, web, log = start_run(var_dir, tmp_path / "first.log")
    try:
        wait_ready(first, tmp_path / "first.log")
        second = subprocess.run(
            [sys.executable, "manage.py", "hsim_run", "--port", str(free_port()),
             "--flower-port", str(free_port()), "--history-days", "0"],
            cwd=ROOT, env=embedded_env(var_dir), capture_output=True, text=True, timeout=120,
        )
        assert second.returncode == 2, second.stdout[-2000:] + second.stderr[-2000:]
        assert f"another hsim run (pid {first.pid}) is using {var_dir}" in second.stderr
        assert "starting web" not in second.stdout
        assert first.poll() is None and get(f"http://127.0.0.1:{web}/healthz") == 200
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=90) == 0
        log.close()

    again, web, log = start_run(var_dir, tmp_path / "again.log")
    try:
        wait_ready(again, tmp_path / "again.log")
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=90) == 0
        log.close()
