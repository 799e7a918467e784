"""Migrating a database of the platform adopts it: nothing it holds is rewritten or lost."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import postgres_admin_url

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SQL = Path(__file__).with_name("platform_core.sql").read_text()


@pytest.fixture
def platform_database():
    name = f"hsim_adopt_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_admin_url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PLATFORM_SQL)
    yield url
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url, *args):
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="hsim_project.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def snapshot(url):
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"SELECT * FROM core.{table} ORDER BY 1, 2").fetchall()
            for table in ("org", "entity", "entity_tag", "org_entity_permission",
                          "poller_config", "values_acme", "values_acme_current")
        }


def test_it_migrates_an_existing_platform_database_and_keeps_its_rows(platform_database):
    before = snapshot(platform_database)
    result = manage(platform_database, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    assert snapshot(platform_database) == before
    with psycopg.connect(platform_database) as conn:
        tag_defs = dict(conn.execute("SELECT name, doc FROM core.tag_def").fetchall())
    # The platform's own tag definitions keep their docs; hsim's tags are added beside them.
    assert (tag_defs["site"], tag_defs["dis"]) == ("A site", "Display name")
    assert tag_defs["hisTotalized"] and len(tag_defs) > 100
    with psycopg.connect(platform_database) as conn:
        state = conn.execute(
            "SELECT status, totalizers, simulator_id FROM core.simulator_state"
        ).fetchall()
        log = conn.execute("SELECT event_type, message FROM core.simulator_activity_log").fetchall()
    assert state == [("initialized", {"electric": 12.5}, None)]
    assert log == [("start", "Service started")]


def test_migrating_twice_changes_nothing(platform_database):
    assert manage(platform_database, "migrate", "--noinput").returncode == 0
    first = snapshot(platform_database)
    assert manage(platform_database, "migrate", "--noinput").returncode == 0
    assert snapshot(platform_database) == first


def test_new_pollers_in_an_adopted_database_get_fresh_poller_ids(platform_database):
    assert manage(platform_database, "migrate", "--noinput").returncode == 0
    code = (
        "from simulator_app.models import Org\n"
        "from simulator_app.services.pollers import create_poller\n"
        "print(create_poller(Org.objects.get(key='acme'), 'simulator', 'sim', {}).poller_id)\n"
    )
    result = manage(platform_database, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip().splitlines()[-1]) == 3
