"""What a new user sees from `./hsim run`: a prefixed line per process, the URLs and the login
once every process answers, a clean stop on Ctrl-C, help on every flag; `./hsim --help`."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .test_embedded_run import free_port, get

ROOT = Path(__file__).resolve().parents[2]
READY = "hsim is ready: every process answers."


def status_and_auth(url):
    """The HTTP status and WWW-Authenticate header (a 401 is an answer here, not a failure)."""
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, response.headers.get("WWW-Authenticate")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("WWW-Authenticate")


def embedded_env(var_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "HSIM_VALUE_DATABASES")}
    env.update(HSIM_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    return env


def start_hsim_run(var_dir, log, web, flower, **popen):
    """`hsim_run` on the embedded default in `var_dir`, its output to `log`."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "hsim_run", "--port", str(web), "--flower-port",
         str(flower), "--history-days", "0"],
        cwd=ROOT, env=embedded_env(var_dir), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, **popen,
    )


def wait_until_ready(process, log_path, seconds=180):
    deadline = time.monotonic() + seconds
    while READY not in log_path.read_text():
        assert process.poll() is None, log_path.read_text()[-3000:]
        assert time.monotonic() < deadline, log_path.read_text()[-3000:]
        time.sleep(0.5)


def test_hsim_run_prefixes_every_process_says_when_all_answer_and_stops_cleanly(tmp_path):
    web, flower = free_port(), free_port()
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        process = start_hsim_run(tmp_path, log, web, flower)
        try:
            wait_until_ready(process, log_path)
            # Announced only once every process answered: they still do.
            assert get(f"http://127.0.0.1:{web}/healthz") == 200
            assert get(f"http://127.0.0.1:{flower}/") == 200
            # The dashboard and Haystack URLs it prints answer: the dashboard through the
            # login form, the Haystack root's ops asking for a HELLO.
            assert get(f"http://127.0.0.1:{web}/") == 200
            assert status_and_auth(f"http://127.0.0.1:{web}/haystack/demo/about") == \
                (401, "HELLO")
            time.sleep(2)  # a few more lines from each process after the banner
        finally:
            process.send_signal(signal.SIGINT)  # what Ctrl-C sends
            code = process.wait(timeout=90)
    output = log_path.read_text()
    assert code == 0, output[-3000:]

    before, banner = output.split(READY, 1)
    # Each process's own lines carry its name: the worker's and beat's, the web server's,
    # Flower's; hsim_run's lines never do.
    assert re.search(r"^worker \| .*celery@\S+ ready\.$", before, re.M), before[-3000:]
    assert re.search(r"^worker \| .*beat: Starting\.\.\.$", before, re.M)
    assert re.search(rf"^web    \| Starting development server at http://127\.0\.0\.1:{web}/$",
                     before, re.M)
    assert re.search(rf"^flower \| .*{flower}", before, re.M)
    for line in output.splitlines():
        assert not re.match(r"^(celery@|\[\d{4}-\d\d-\d\d .*(INFO|WARNING)/)", line), line
    # A warning a first run used to print on every broker connection.
    assert "No hostname was supplied" not in output
    # The URLs and the login come again, after every process has said it is up.
    first = banner.split("\n\n")[0]
    assert f"dashboard: http://127.0.0.1:{web}/   login admin / hsim-admin" in first
    assert f"admin:     http://127.0.0.1:{web}/admin/" in first
    assert f"Haystack:  http://127.0.0.1:{web}/haystack/demo " in first
    assert f"Flower:    http://127.0.0.1:{flower}/" in banner
    # A clean Ctrl-C: the processes stop by themselves, nothing red, no traceback.
    stop = output.split("\nstopping...", 1)[1]
    assert "worker | worker: Warm shutdown" in stop
    assert "ERROR" not in stop and "Traceback" not in stop and "CRITICAL" not in stop, stop
    assert "exited; stopping the rest" not in output
    for port in (web, flower):
        assert get(f"http://127.0.0.1:{port}/") is None


def test_hsim_run_stops_everything_and_exits_1_when_a_process_dies(tmp_path):
    web, flower = free_port(), free_port()
    with socket.socket() as taken:  # the web port is taken: the web server cannot start
        taken.bind(("127.0.0.1", web))
        taken.listen()
        out = subprocess.run(
            [sys.executable, "manage.py", "hsim_run", "--port", str(web), "--flower-port",
             str(flower), "--history-days", "0"],
            cwd=ROOT, env=embedded_env(tmp_path), capture_output=True, text=True, timeout=180,
        )
    assert out.returncode == 1, out.stdout[-3000:] + out.stderr[-3000:]
    assert re.search(r"^web    \| .*(already in use|Errno 98)", out.stdout, re.M), out.stdout[-3000:]
    assert "web exited (see its lines above); stopped the rest" in out.stderr
    assert get(f"http://127.0.0.1:{flower}/") is None


def test_every_hsim_run_flag_has_help():
    from simulator_app.management.commands.hsim_run import Command

    parser = Command().create_parser("manage.py", "hsim_run")
    own = [a for a in parser._actions
           if {"--host", "--port", "--flower-port", "--history-days", "--setup-only"}
           & set(a.option_strings)]
    assert len(own) == 5
    assert all(a.help and len(a.help) > 15 for a in own), [(a.dest, a.help) for a in own]


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_hsim_help_exits_0_with_the_usage(flag):
    out = subprocess.run(["bash", str(ROOT / "hsim"), flag], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: ./hsim COMMAND")
    assert all(word in out.stdout for word in ("run", "test", "setup"))


def test_an_unknown_hsim_command_exits_2_with_the_usage():
    out = subprocess.run(["bash", str(ROOT / "hsim"), "serve"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 2
    assert "unknown command 'serve'" in out.stderr and "usage: ./hsim" in out.stderr


def test_hsim_setup_says_it_installs_dependencies(tmp_path):
    """A virtual environment whose requirements changed. Its python is a stand-in that
    records what it was asked (the real install is pip's business, not this test's)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path / 'calls'}\n")
    python.chmod(0o755)

    out = subprocess.run(["bash", str(ROOT / "hsim"), "setup"], capture_output=True, text=True,
                         timeout=30, env={**os.environ, "HSIM_VENV": str(venv)})

    assert out.returncode == 0, out.stderr
    assert "hsim: installing dependencies from requirements.txt" in out.stderr
    assert "-m pip install --quiet -r requirements.txt" in (tmp_path / "calls").read_text()
    again = subprocess.run(["bash", str(ROOT / "hsim"), "setup"], capture_output=True,
                           text=True, timeout=30, env={**os.environ, "HSIM_VENV": str(venv)})
    assert again.returncode == 0 and "installing" not in again.stderr  # nothing changed
