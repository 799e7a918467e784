"""The README's backfill command on the embedded default, next to a process using the same file.

Real processes on one SQLite file: `hsim_backfill` (the command a user types) while a neighbour
ticks another simulator, saves beat's schedule entry and reads like the web pages
(tests/e2e/sqlite_neighbour.py). The backfill must finish with the right rows, the neighbour
must keep working meanwhile (no `database is locked`), and the progress bar must move.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WINDOW_DAYS = 5


def embedded_env(var_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "HSIM_VALUE_DATABASES")}
    env.update(HSIM_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    return env


def manage(env, *args, check=True):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def neighbour_report(folder):
    try:
        return json.loads((folder / "neighbour.json").read_text())
    except (OSError, ValueError):
        return None


def wait_for_ticks(folder, count, process):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        report = neighbour_report(folder)
        if report and (report["ticks"] >= count or report["errors"]):
            return report
        assert process.poll() is None, "the neighbour process died"
        time.sleep(0.2)
    raise AssertionError(f"the neighbour made no progress: {neighbour_report(folder)}")


def expected_rows(env, start, end):
    """What hsim_generate (no database) prints for the default building: (rows, sum value_n)."""
    out = manage(env, "hsim_generate", "--start", start, "--end", end).stdout.splitlines()[1:]
    total = sum(float(line.split(",")[2]) for line in out if line.split(",")[2])
    return len(out), total


def test_it_backfills_the_embedded_sqlite_file_while_another_process_writes_it(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "hsim_run", "--setup-only")
    backfilled = int(manage(env, "hsim_create_simulator", "--org", "fill", "--name", "A")
                     .stdout.split()[-1])
    ticking = int(manage(env, "hsim_create_simulator", "--org", "live", "--name", "B")
                  .stdout.split()[-1])
    neighbour = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/e2e/sqlite_neighbour.py"), str(ticking), str(tmp_path)],
        cwd=ROOT, env=env, stdout=open(tmp_path / "neighbour.log", "w"), stderr=subprocess.STDOUT,
    )
    end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    end -= timedelta(days=30)
    start = end - timedelta(days=WINDOW_DAYS)
    start_text, end_text = (f"{t:%Y-%m-%dT%H:%MZ}" for t in (start, end))
    try:
        before = wait_for_ticks(tmp_path, 1, neighbour)
        backfill = manage(env, "hsim_backfill", str(backfilled), "--start", start_text,
                          "--end", end_text, check=False)
        after = neighbour_report(tmp_path)
        assert neighbour.poll() is None, (tmp_path / "neighbour.log").read_text()[-3000:]
    finally:
        (tmp_path / "stop").touch()
        neighbour.wait(timeout=60)

    assert backfill.returncode == 0, backfill.stderr[-3000:]
    intervals = WINDOW_DAYS * 96
    assert f"backfill done: {intervals} intervals" in backfill.stdout
    # The bar moved during the load, in several steps, not from 0 straight to 100 %.
    shown = {int(n) for n in re.findall(rf"(\d+)/{intervals} ", backfill.stderr)}
    assert len({n for n in shown if 0 < n < intervals}) >= 3, backfill.stderr[-2000:]
    # The neighbour kept writing the same file during the backfill and never met a lock.
    assert after["errors"] == [] and after["ticks"] > before["ticks"], after
    assert "database is locked" not in (tmp_path / "neighbour.log").read_text()

    rows, value_sum = expected_rows(env, start_text, end_text)
    db = sqlite3.connect(tmp_path / "hsim.sqlite3")
    try:
        got_rows, got_sum, got_ts = db.execute(
            "SELECT count(*), sum(value_n), count(DISTINCT ts) FROM values_fill").fetchone()
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    assert (got_rows, got_ts) == (rows, intervals)
    assert abs(got_sum - value_sum) <= 1e-6 * max(1.0, abs(value_sum))
