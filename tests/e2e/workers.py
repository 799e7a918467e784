"""Real Celery worker processes for end-to-end tests: their environment, starting one with its
embedded beat, waiting on what they do (with their log on failure), and stopping them."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def worker_env(**extra):
    """This process's environment, pointed at the test database and the test Redis."""
    db = connection.settings_dict
    url = (f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
           f"{db['PORT'] or 5432}/{db['NAME']}")
    return dict(os.environ, DATABASE_URL=url, CELERY_BROKER_URL=REDIS_URL,
                DJANGO_SETTINGS_MODULE="hsim_project.settings", **extra)


def start_worker_with_beat(tmp_path, env, *options):
    """(process, log path) of `celery worker -B` (a fresh broker, its own beat schedule file)."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "hsim_project", "worker", "-B",
             "--loglevel=INFO", "-s", str(tmp_path / "beat-schedule"), *options],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return process, log_path


def stop(process, timeout=20):
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(predicate, timeout, what, log_path):
    """Poll until `predicate()`; a liveness bound (not a speed check) that fails with the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log_path.read_text()[-5000:]}")
