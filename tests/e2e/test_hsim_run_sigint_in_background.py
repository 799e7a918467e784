"""`./hsim run &` from a script starts hsim_run with SIGINT ignored (what a non-interactive
shell does to background jobs): a SIGINT still stops it and everything it started."""

import signal
import subprocess
import sys
import time

from .test_embedded_run import free_port, get
from .test_embedded_run_console import READY, ROOT, embedded_env


def test_a_sigint_stops_a_run_started_with_sigint_ignored(tmp_path):
    web, flower = free_port(), free_port()
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "hsim_run", "--port", str(web), "--flower-port",
             str(flower), "--history-days", "0"],
            cwd=ROOT, env=embedded_env(tmp_path), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
        try:
            deadline = time.monotonic() + 180
            while READY not in log_path.read_text():
                assert process.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, log_path.read_text()[-3000:]
                time.sleep(0.5)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.terminate()
                code = process.wait(timeout=90)
                raise AssertionError("SIGINT was ignored; stopped it with SIGTERM")
    assert code == 0, log_path.read_text()[-3000:]
    assert "worker | worker: Warm shutdown" in log_path.read_text()
    assert get(f"http://127.0.0.1:{web}/healthz") is None
