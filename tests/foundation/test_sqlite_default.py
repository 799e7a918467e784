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
