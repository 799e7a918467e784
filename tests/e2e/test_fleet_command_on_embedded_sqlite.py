"""The README's `hsim_fleet` commands on the embedded default (SQLite under HSIM_VAR_DIR), as
a user runs them next to `./hsim run`: create, grow, stop/start/delete by several indexes."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(var_dir, *args):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "HSIM_VALUE_DATABASES")}
    env.update(HSIM_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def fleet_rows(var_dir):
    db = sqlite3.connect(var_dir / "hsim.sqlite3")
    try:
        return db.execute(
            "SELECT m.idx, p.poller_id, p.status, s.status FROM"
            " (SELECT \"index\" AS idx, simulator_id FROM simulator_app_fleetmember) m"
            " JOIN core_poller_config p ON p.poller_id = m.simulator_id"
            " JOIN core_simulator_state s ON s.simulator_id = m.simulator_id"
            " ORDER BY m.idx").fetchall()
    finally:
        db.close()


def test_hsim_fleet_creates_grows_and_acts_on_several_indexes_on_sqlite(tmp_path):
    assert manage(tmp_path, "hsim_run", "--setup-only").returncode == 0
    # Another simulator first: the fleet's poller ids must come after it, one each.
    made = manage(tmp_path, "hsim_create_simulator", "--org", "acme", "--name", "Solo")
    assert made.returncode == 0, made.stderr

    out = manage(tmp_path, "hsim_fleet", "create", "--org", "acme", "--name", "Port",
                 "--size", "3", "--seed", "7", "--preset", "chicago", "denver")
    assert out.returncode == 0, out.stderr[-3000:]
    fleet_id = out.stdout.strip().splitlines()[-1]
    assert fleet_id.isdigit()
    rows = fleet_rows(tmp_path)
    assert [r[0] for r in rows] == [0, 1, 2]
    ids = [r[1] for r in rows]
    assert len(set(ids)) == 3 and int(made.stdout.split()[-1]) not in ids

    grown = manage(tmp_path, "hsim_fleet", "create", "--org", "acme", "--name", "Port",
                   "--size", "5", "--seed", "7", "--preset", "chicago", "denver", "--start")
    assert grown.returncode == 0, grown.stderr[-3000:]
    assert grown.stdout.strip().splitlines()[-1] == fleet_id
    rows = fleet_rows(tmp_path)
    assert [r[1] for r in rows[:3]] == ids and len({r[1] for r in rows}) == 5
    assert {r[3] for r in rows} == {"running"}

    stop = manage(tmp_path, "hsim_fleet", "stop", "--org", "acme", "--name", "Port",
                  "--index", "0", "1")
    assert stop.returncode == 0, stop.stderr
    assert "stop: 2 building(s)" in stop.stdout
    assert [r[3] for r in fleet_rows(tmp_path)] == ["stopped", "stopped", "running",
                                                    "running", "running"]
    delete = manage(tmp_path, "hsim_fleet", "delete", "--org", "acme", "--name", "Port",
                    "--index", "4")
    assert delete.returncode == 0 and "delete: 1 building(s)" in delete.stdout
    assert fleet_rows(tmp_path)[4][2] == "inactive"
