"""docker-compose.yml's own commands and environments, run natively (no Docker engine here).

Each service's `command` and `environment` come from the file (merge keys and `${VAR...}`
interpolation as compose does them, with the values an operator's .env would hold); only
hosts, ports and the database name are substituted for local ones: PostgreSQL on
127.0.0.1 (a fresh database), Redis on this run's db number, free ports. A compose change that
breaks a command breaks this test.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis
import requests
import yaml

from ..conftest import postgres_admin_url

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
VENV_BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DATABASE = "hsim_compose_" + urlsplit(os.environ.get("DATABASE_URL", "/hsim")).path.strip("/")
LONG_RUNNING = ("web", "worker", "beat", "flower")


# --- compose semantics ----------------------------------------------------------------------
class MissingVariable(Exception):
    pass


_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^}]*\})*))?\}")


def interpolate(text, env):
    """compose's interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}."""

    def one(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        value = env.get(name)
        if op in (":-", ":?") and value == "":
            value = None
        if value is not None:
            return value
        if op in (":?", "?"):
            raise MissingVariable(f"{name}: {arg}")
        return interpolate(arg, env) if op else ""

    return _VARIABLE.sub(one, text)


def load_compose():
    return yaml.safe_load(COMPOSE.read_text())  # PyYAML resolves the `<<:` merge keys


def service_spec(compose, name, dotenv):
    service = compose["services"][name]
    command = [interpolate(str(arg), dotenv) for arg in service.get("command") or []]
    environment = {k: interpolate(str(v), dotenv) for k, v in service.get("environment", {}).items()}
    return command, environment


# --- local substitutes for the stack's hosts and ports -------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def local_database_url(url):
    parts = urlsplit(url)
    assert parts.hostname == "timescaledb", "the stack's database is the timescaledb service"
    local = urlsplit(postgres_admin_url(DATABASE))
    return urlunsplit((parts.scheme, local.netloc, local.path, "", ""))


def local_broker_url(url):
    assert urlsplit(url).hostname == "redis", "the stack's broker is the redis service"
    return REDIS_URL


def native(command, environment, tmp_path, ports):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG",
                        "HSIM_CACHE_URL")}
    env.update(environment)
    env["DATABASE_URL"] = local_database_url(environment["DATABASE_URL"])
    env["CELERY_BROKER_URL"] = local_broker_url(environment["CELERY_BROKER_URL"])
    # The cache (throttle counters) would follow the broker to the next Redis db, which is
    # another test run's: keep it in this run's db (compose: the same redis service).
    env["HSIM_CACHE_URL"] = local_broker_url(environment.get("HSIM_CACHE_URL", "redis://redis"))
    env["HSIM_VAR_DIR"] = str(tmp_path / "var")  # the image's ENV (Dockerfile)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # the image's python
    command = [ports.get(arg, arg) for arg in command]
    return command, env


@pytest.fixture
def dotenv():
    """What an operator's .env holds (.env.example lists the names)."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "FLOWER_USER": "ops",
        "FLOWER_PASSWORD": secrets.token_urlsafe(16),
    }


@pytest.fixture
def fresh_database():
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield
    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


class Stack:
    def __init__(self, compose, dotenv, tmp_path):
        self.compose, self.dotenv, self.tmp_path = compose, dotenv, tmp_path
        self.web_port, self.flower_port = free_port(), free_port()
        self.ports = {"0.0.0.0:8000": f"127.0.0.1:{self.web_port}",
                      "--port=5555": f"--port={self.flower_port}"}
        self.processes = {}

    def spec(self, name):
        command, environment = service_spec(self.compose, name, self.dotenv)
        return native(command, environment, self.tmp_path, self.ports)

    def run(self, service, *command, extra_env=None):
        """`docker compose run --rm <service> <command>` (a one-off with its environment)."""
        default, env = self.spec(service)
        env.update(extra_env or {})
        done = subprocess.run(list(command) or default, cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{command or default}:\n{done.stdout}\n{done.stderr}"
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    def healthcheck(self, service):
        """Run the service's compose health check here; True when it passes."""
        test = [interpolate(str(arg), self.dotenv)
                for arg in self.compose["services"][service]["healthcheck"]["test"]]
        kind, args = test[0], test[1:]
        command = args if kind == "CMD" else ["sh", "-c", args[0]]
        # The container's ports and hostname, as they are here.
        command = [arg.replace("8000", str(self.web_port)).replace("5555", str(self.flower_port))
                   for arg in command]
        _, env = self.spec(service)
        env["HOSTNAME"] = socket.gethostname()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
        return done.returncode == 0

    def start(self, service):
        command, env = self.spec(service)
        log = open(self.tmp_path / f"{service}.log", "w")
        self.processes[service] = (subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        ), log)

    def logs(self):
        return "\n".join(
            f"--- {name}\n{(self.tmp_path / f'{name}.log').read_text()[-3000:]}"
            for name in self.processes
        )

    def stop(self):
        for process, _ in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, log in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, (process, _) in self.processes.items():
                assert process.poll() is None, f"{name} exited while waiting for {what}\n{self.logs()}"
            try:
                found = predicate()
            except requests.RequestException:
                found = None
            if found:
                return found
            time.sleep(1)
        pytest.fail(f"timed out waiting for {what}\n{self.logs()}")


@pytest.fixture
def stack(dotenv, fresh_database, tmp_path):
    stack = Stack(load_compose(), dotenv, tmp_path)
    yield stack
    stack.stop()
    assert all(p.poll() is not None for p, _ in stack.processes.values())


# --- the file itself -------------------------------------------------------------------------
def test_the_stack_needs_every_secret_from_env_and_publishes_no_database():
    compose = load_compose()
    services = compose["services"]
    for store in ("timescaledb", "redis"):
        assert "ports" not in services[store], f"{store} must be reachable from the network only"
    flower_ports = [interpolate(p, {}) for p in services["flower"]["ports"]]
    assert all(p.startswith("127.0.0.1:") for p in flower_ports)
    for required in ("SECRET_KEY", "POSTGRES_PASSWORD", "FLOWER_USER", "FLOWER_PASSWORD"):
        env = {"SECRET_KEY": "s" * 60, "POSTGRES_PASSWORD": "p", "FLOWER_USER": "u",
               "FLOWER_PASSWORD": "x"}
        env[required] = ""
        with pytest.raises(MissingVariable, match=required):
            for name in LONG_RUNNING + ("migrate", "timescaledb"):
                service_spec(compose, name, env)
    assert services["beat"].get("deploy", {}).get("replicas") == 1


def test_dotenv_stays_out_of_git_and_out_of_the_image():
    for ignore in (".gitignore", ".dockerignore"):
        patterns = (ROOT / ignore).read_text().split()
        assert ".env" in patterns, ignore
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert ignored.returncode == 0
    assert subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT).returncode == 1


# --- the stack, running -----------------------------------------------------------------------
def test_the_compose_stack_serves_logs_in_ticks_through_beat_and_guards_flower(stack, dotenv):
    stack.run("migrate")
    # The production settings as compose sets them pass Django's deployment checklist.
    stack.run("web", "python", "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    stack.run("web", "python", "manage.py", "createsuperuser", "--noinput", "--username", "ops",
              "--email", "ops@example.com",
              extra_env={"DJANGO_SUPERUSER_PASSWORD": dotenv["FLOWER_PASSWORD"]})
    poller_id = stack.run("web", "python", "manage.py", "hsim_create_simulator", "--org",
                          "compose", "--name", "Tower", "--interval", "1")
    token = stack.run("web", "python", "manage.py", "hsim_issue_token", "--org", "compose",
                      "--name", "e2e")
    for service in LONG_RUNNING:
        stack.start(service)
    web = f"http://127.0.0.1:{stack.web_port}"
    https = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of web sends

    # /healthz answers plain HTTP (the container health check); the rest redirects to HTTPS.
    stack.wait_for(lambda: requests.get(f"{web}/healthz", timeout=3).status_code == 200, 60,
                   "web's /healthz")
    plain = requests.get(f"{web}/admin/login/", allow_redirects=False, timeout=5)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

    # The file's own health checks pass against the running services.
    for service in ("web", "worker", "flower"):
        assert stack.wait_for(lambda: stack.healthcheck(service), 60, f"{service}'s health check")

    # An admin login over the TLS proxy: secure cookies, HSTS, CSP.
    page = requests.get(f"{web}/admin/login/", headers=https, timeout=5)
    assert page.status_code == 200
    assert "max-age=" in page.headers["Strict-Transport-Security"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    csrf = page.cookies["csrftoken"]
    assert any(c.name == "csrftoken" and c.secure for c in page.cookies)
    login = requests.post(
        f"{web}/admin/login/?next=/admin/", allow_redirects=False, timeout=10,
        headers={**https, "Cookie": f"csrftoken={csrf}", "Origin": f"https://127.0.0.1:{stack.web_port}"},
        data={"csrfmiddlewaretoken": csrf, "username": "ops", "password": dotenv["FLOWER_PASSWORD"]},
    )
    assert login.status_code == 302, login.text[:500]
    assert any(c.name == "sessionid" and c.secure for c in login.cookies)
    admin = requests.get(f"{web}/admin/", timeout=5,
                         headers={**https, "Cookie": f"sessionid={login.cookies['sessionid']}"})
    assert admin.status_code == 200 and "Site administration" in admin.text

    # A started simulator's ticks: the first from start, the next ones fired by the one beat.
    api = {**https, "Authorization": f"Bearer {token}"}
    started = requests.post(f"{web}/simulator/start/{poller_id}", headers=api, timeout=30)
    assert started.status_code == 200, started.text

    def last_run():
        state = requests.get(f"{web}/simulator/state/{poller_id}", headers=api, timeout=10)
        return state.json()["last_run_timestamp"] if state.status_code == 200 else None

    first = stack.wait_for(last_run, 90, "the first tick")
    later = stack.wait_for(lambda: (t := last_run()) and t > first and t, 150, "a tick by beat")
    assert later > first
    assert requests.get(f"{web}/simulator/state/{poller_id}", headers=api,
                        timeout=10).json()["status"] == "running"

    # Flower: its worker list behind its basic auth, nothing without it.
    flower = f"http://127.0.0.1:{stack.flower_port}"
    auth = (dotenv["FLOWER_USER"], dotenv["FLOWER_PASSWORD"])

    def workers():
        answer = requests.get(f"{flower}/api/workers?refresh=1", auth=auth, timeout=10)
        return answer.status_code == 200 and [w for w in answer.json() if w.startswith("celery@")]

    assert stack.wait_for(workers, 60, "Flower's worker list")
    assert requests.get(f"{flower}/api/workers", timeout=5).status_code == 401
    assert requests.get(f"{flower}/api/workers", auth=("ops", "wrong"), timeout=5).status_code == 401
