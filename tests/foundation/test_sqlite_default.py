"""The embedded default: SQLite, no services."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_default_sets_up_on_sqlite(tmp_path):
    env = dict(os.environ, HSIM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "hsim_run", "--setup-only"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(tmp_path / "hsim.sqlite3")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"core_org", "core_poller_config", "values_demo", "values_demo_current"} <= tables
    assert db.execute("SELECT key, value_table FROM core_org").fetchall() == [("demo", "values_demo")]
    assert db.execute("SELECT username FROM auth_user WHERE is_superuser").fetchall() == [("admin",)]


def test_sqlite_core_tables_have_their_relation_columns(tmp_path):
    env = dict(os.environ, HSIM_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    db = sqlite3.connect(tmp_path / "hsim.sqlite3")

    def columns(table):
        return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}

    assert {"org_id", "poller_id"} <= columns("core_poller_config")
    assert {"entity_id", "tag_id", "value_ref"} <= columns("core_entity_tag")
    assert "simulator_id" in columns("core_simulator_state")
    assert "simulator_id" in columns("core_simulator_activity_log")
    assert {"org_id", "entity_id"} <= columns("core_org_entity_permission")
