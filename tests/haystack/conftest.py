"""A real Haystack server for real clients: one small building with three days of history,
committed once for this package, served by gunicorn in a subprocess on a free port.

Users: `alice` (member of the building's org, password "pencil-1234"), `mallory` (member of
another org only), `bob` (member, created before SCRAM credentials existed: none stored).
"""

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from simulator_app.models import OrgMembership, ScramCredential, SimulatorEntity
from simulator_app.services import backfill
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tokens import issue_token
from simulator_app.services.value_databases import multi_writer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pencil-1234"
SMALL_BUILDING = {
    "site": {"name": "Annex", "floors": 1},
    "equipment": {
        "ahu_count": 1, "zone_orientations": ["north"],
        "chillers": {"count": 1}, "boilers": {"count": 1},
    },
}


@dataclass
class Building:
    org: object
    other_org: object
    simulator: object
    keys: dict  # catalogue key -> entity id
    start: datetime
    end: datetime
    api_token: str  # one of alice's REST API tokens


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package")
def building(django_db_setup, django_db_blocker):
    suffix = secrets.token_hex(4)
    with django_db_blocker.unblock():
        org = create_org(f"hs{suffix}")
        other = create_org(f"ho{suffix}")
        simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
        create_simulator(other, "Other", SMALL_BUILDING, 15)
        User = get_user_model()
        alice = User.objects.create_user("alice", password=PASSWORD)
        mallory = User.objects.create_user("mallory", password=PASSWORD)
        bob = User.objects.create_user("bob", password=PASSWORD)
        ScramCredential.objects.filter(user=bob).delete()
        OrgMembership.objects.create(user=alice, org=org)
        OrgMembership.objects.create(user=bob, org=org)
        OrgMembership.objects.create(user=mallory, org=other)
        now = datetime.now(timezone.utc)
        start = (now - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
        job = backfill.create_job(simulator, start, now, now=now)
        assert backfill.run_job(job.id).status == "done"
        keys = dict(SimulatorEntity.objects.filter(simulator=simulator)
                    .values_list("key", "entity_id"))
        api_token = issue_token(alice)
        yield Building(org, other, simulator, keys, start, now, api_token)
        call_command("flush", interactive=False, verbosity=0)
        truncate_core_rows()


def truncate_core_rows():
    """The core tables' rows this package committed; tag_def keeps the rows the migrations
    loaded (tests after this package rely on them)."""
    from django.apps import apps

    from simulator_app.schema.migrate import CORE_MODELS

    with connection.cursor() as cursor:
        for name in CORE_MODELS:
            if name == "TagDef":
                continue
            table = connection.ops.quote_name(apps.get_model("simulator_app", name)._meta.db_table)
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")


def start_server(port, log):
    env = dict(os.environ)
    db_name = connection.settings_dict["NAME"]
    base = env.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hsim").rsplit("/", 1)[0]
    env.update(DATABASE_URL=f"{base}/{db_name}", DEBUG="0",
               SECRET_KEY="haystack-test-" + "x" * 40, AXES_ENABLED="0")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "--no-control-socket", "hsim_project.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited, see {log.name}")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    process.wait()
    raise RuntimeError("gunicorn did not start")


class Server:
    def __init__(self, log):
        self.port = free_port()
        self.log = log
        self.process = start_server(self.port, log)

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def restart(self):
        self.stop()
        self.process = start_server(self.port, self.log)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="package")
def server(building, tmp_path_factory):
    log = open(tmp_path_factory.mktemp("gunicorn") / "stderr.log", "w")
    server = Server(log)
    yield server
    server.stop()
    log.close()


@pytest.fixture(scope="package")
def root(server, building):
    return f"{server.origin}/haystack/{building.org.key}"


def commit_sql(sql, params=()):
    """Run SQL on a connection of its own, committed at once (tests run inside a transaction
    the server processes cannot see)."""
    import psycopg

    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hsim")
    url = f"{base.rsplit('/', 1)[0]}/{connection.settings_dict['NAME']}"
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(sql, params).rowcount


def stored_series(building, key, start=None, end=None):
    """(µs timestamps, values) of one point straight from the value table."""
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(building.org.key, entity_ids=[building.keys[key]],
                                        start=start, end=end)
    finally:
        writer.close()
    return rows.ts.tolist(), rows.value_n.tolist()
