"""`hsim_run` with a flag it cannot honour exits 2 with the reason on stderr, before it
creates anything (no database under HSIM_VAR_DIR)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("flags, message", [
    (["--history-days", "-1"], "--history-days: must be from 0 to 399"),
    (["--history-days", "400"], "--history-days: must be from 0 to 399"),
    (["--port", "0"], "--port: must be a port from 1 to 65535"),
    (["--port", "70000"], "--port: must be a port from 1 to 65535"),
    (["--port", "18555", "--flower-port", "18555"], "--flower-port: must differ from --port"),
])
def test_it_refuses_a_bad_flag_with_exit_2_and_creates_nothing(tmp_path, flags, message):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "HSIM_VALUE_DATABASES",
                        "HSIM_HISTORY_HORIZON_DAYS")}
    env.update(HSIM_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    out = subprocess.run([sys.executable, "manage.py", "hsim_run", *flags], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert message in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert not (tmp_path / "var" / "hsim.sqlite3").exists()
