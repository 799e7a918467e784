"""Throttle counters are shared by every web process where Redis is configured: two real
gunicorn processes on one redis:// broker (no HSIM_CACHE_URL) enforce one limit between them,
where each used to count alone (60/min let 120 through two workers)."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from django.contrib.auth import get_user_model
from django.db import connection

from hsim_project.cache_config import next_database

from ..api.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMIT = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra):
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("HSIM_CACHE_URL", None)
    env.update(
        DATABASE_URL=f"postgresql://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
                     f"{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="hsim_project.settings",
        SECRET_KEY=secrets.token_urlsafe(50), DEBUG="false",
        HSIM_API_CONTROL_THROTTLE_RATE=f"{LIMIT}/hour", **extra)
    return env


def get(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except urllib.error.URLError:
        return None  # not listening yet


@pytest.fixture
def servers(tmp_path):
    """Start two gunicorn processes (one worker each) with the given extra environment."""
    started = []

    def start(**extra):
        urls = []
        for n in range(2):
            port = free_port()
            log = open(tmp_path / f"web{len(started)}.log", "w")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "hsim_project.wsgi:application",
                 "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
                cwd=ROOT, env=server_env(**extra), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
            started.append((process, log))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            deadline = time.monotonic() + 60
            while get(f"{url}/healthz") != 200:
                if time.monotonic() > deadline:
                    logs = "\n".join(p.read_text()[-3000:] for p in tmp_path.glob("web*.log"))
                    pytest.fail(f"{url} did not answer; logs:\n{logs}")
                time.sleep(0.3)
        return urls

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def forget_throttles():
    client = redis.Redis.from_url(next_database(REDIS_URL))
    keys = list(client.scan_iter(match="hsim:*"))
    if keys:
        client.delete(*keys)


def alternate_controls(urls, headers):
    """2 x LIMIT control requests, alternating between the two processes."""
    return [get(f"{urls[i % 2]}/simulator/stop/999999", headers, method="POST")
            for i in range(2 * LIMIT)]


@pytest.mark.django_db(transaction=True)
def test_two_web_processes_on_a_redis_broker_share_one_throttle(clean_core, servers):
    forget_throttles()
    user = get_user_model().objects.create_user("shared-throttle", password=None)
    headers = {"Authorization": client_for(user)._credentials["HTTP_AUTHORIZATION"]}
    urls = servers()
    # The first LIMIT reach the view (an unknown simulator: 404); the rest are throttled,
    # whichever process answers.
    assert alternate_controls(urls, headers) == [404] * LIMIT + [429] * LIMIT
    forget_throttles()


@pytest.mark.django_db(transaction=True)
def test_a_cache_private_to_each_process_can_still_be_chosen(clean_core, servers):
    user = get_user_model().objects.create_user("private-throttle", password=None)
    headers = {"Authorization": client_for(user)._credentials["HTTP_AUTHORIZATION"]}
    urls = servers(HSIM_CACHE_URL="locmem")
    # Each process counts alone: the limit holds per process, not between them.
    assert alternate_controls(urls, headers) == [404] * (2 * LIMIT)
    assert get(f"{urls[0]}/simulator/stop/999999", headers, method="POST") == 429
