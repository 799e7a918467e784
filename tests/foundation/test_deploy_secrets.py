"""Web, worker and Flower refuse to start with a published or missing secret when DEBUG is
off; `check --deploy` is clean with the production settings and names the same problem."""

import os
import secrets
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from hsim_project.deploy_checks import flower_auth_problem, secret_problem
from simulator_app.services.local_secret import local_secret_key

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_KEY = "hsim-insecure-development-key-change-me"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_with(tmp_path, **values):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DEBUG", "HSIM_TLS", "FLOWER_BASIC_AUTH")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", HSIM_VAR_DIR=str(tmp_path),
               CELERY_BROKER_URL="memory://")
    env.update({k: v for k, v in values.items() if v is not None})
    return env


def run(command, env, timeout=90):
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def production_env(tmp_path, **values):
    return env_with(tmp_path, SECRET_KEY=secrets.token_urlsafe(50), HSIM_TLS="true", **values)


@pytest.mark.parametrize("secret", [None, "", DEFAULT_KEY, "change-me-in-production", "short"])
def test_gunicorn_refuses_to_serve_with_a_missing_or_published_secret(tmp_path, secret):
    done = run([str(BIN / "gunicorn"), "hsim_project.wsgi:application", "--bind",
                f"127.0.0.1:{free_port()}", "--workers", "1", "--no-control-socket"], env_with(tmp_path, SECRET_KEY=secret))
    assert done.returncode != 0
    assert "hsim refuses to start web: SECRET_KEY is" in done.stderr


def test_gunicorn_serves_with_a_random_secret(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "hsim_project.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--no-control-socket"], cwd=ROOT, env=production_env(tmp_path),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 90
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:  # the worker loads the app after the port opens: the first answer waits
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30)
                break
            except requests.RequestException:
                time.sleep(0.5)
        assert process.poll() is None, process.stderr.read()
        assert answer is not None and answer.status_code in (200, 503)  # up (db may be empty)
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_debug_on_lets_development_use_the_default_secret(tmp_path):
    done = run([sys.executable, "-c", "import hsim_project.wsgi"],
               env_with(tmp_path, DEBUG="true"))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("service", ["worker", "beat"])
@pytest.mark.parametrize("secret", [None, DEFAULT_KEY])
def test_celery_worker_and_beat_refuse_a_missing_or_published_secret(tmp_path, secret, service):
    done = run([str(BIN / "celery"), "-A", "hsim_project", service, "--loglevel=INFO"],
               env_with(tmp_path, SECRET_KEY=secret))
    assert done.returncode != 0
    assert f"hsim refuses to start {service}: SECRET_KEY is" in done.stderr


def test_flower_refuses_a_published_secret(tmp_path):
    done = run([str(BIN / "celery"), "-A", "hsim_project", "flower", f"--port={free_port()}",
                "--basic-auth=ops:" + secrets.token_urlsafe(12)], env_with(tmp_path))
    assert done.returncode != 0
    assert "hsim refuses to start flower: SECRET_KEY is" in done.stderr


@pytest.mark.parametrize("auth", [None, "admin:change-me", "ops:"])
def test_flower_on_every_interface_refuses_to_start_without_a_real_login(tmp_path, auth):
    done = run([str(BIN / "celery"), "-A", "hsim_project", "flower", f"--port={free_port()}"],
               production_env(tmp_path, FLOWER_BASIC_AUTH=auth))
    assert done.returncode != 0
    assert "hsim refuses to start flower: Flower" in done.stderr


def test_flower_auth_rules():
    assert flower_auth_problem(["celery", "flower", "--address=127.0.0.1"], {}) is None
    assert flower_auth_problem(["celery", "flower", "--basic-auth=ops:s3cret-pass"], {}) is None
    assert flower_auth_problem(["celery", "flower"], {"FLOWER_BASIC_AUTH": "a:b1,c:d2"}) is None
    assert flower_auth_problem(["celery", "flower"], {}) is not None
    assert flower_auth_problem(["celery", "flower", "--address", "0.0.0.0"], {}) is not None
    assert flower_auth_problem(["celery", "flower"], {"FLOWER_BASIC_AUTH": "a:b1,c:change-me"})


def test_secret_rules():
    assert secret_problem(secrets.token_urlsafe(50)) is None
    for bad in (None, "", DEFAULT_KEY, "change-me-in-production", "django-insecure-" + "x" * 60,
                "a" * 60, "tooshort"):
        assert secret_problem(bad), bad


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    done = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
               production_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_names_a_published_secret(tmp_path):
    done = run([sys.executable, "manage.py", "check", "--deploy"],
               env_with(tmp_path, HSIM_TLS="true"))
    assert done.returncode != 0
    assert "hsim.E001" in done.stderr and "published default" in done.stderr


def test_the_production_settings_secure_cookies_and_send_hsts(tmp_path):
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE,"
            " s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
            " s.SECURE_PROXY_SSL_HEADER)")
    out = run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], production_env(tmp_path))
    assert out.stdout.split()[:4] == ["True", "True", "True", "31536000"], out.stderr
    assert "HTTP_X_FORWARDED_PROTO" in out.stdout
    # Each is its own setting too (e.g. a short HSTS while trying TLS out).
    out = run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
              production_env(tmp_path, SECURE_HSTS_SECONDS="3600"))
    assert out.stdout.split()[3] == "3600"


def test_the_embedded_run_keeps_one_random_secret_of_its_own(tmp_path):
    first = local_secret_key(tmp_path)
    assert secret_problem(first) is None
    assert local_secret_key(tmp_path) == first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert local_secret_key(tmp_path / "other") != first
