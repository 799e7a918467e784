"""`./hsim run &` from a script starts hsim_run with SIGINT ignored (what a non-interactive
shell does to background jobs): a SIGINT still stops it and everything it started."""

import signal
import subprocess

from .test_embedded_run import free_port, get
from .test_embedded_run_console import start_hsim_run, wait_until_ready


def test_a_sigint_stops_a_run_started_with_sigint_ignored(tmp_path):
    web, flower = free_port(), free_port()
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        process = start_hsim_run(
            tmp_path, log, web, flower,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        try:
            wait_until_ready(process, log_path)
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
