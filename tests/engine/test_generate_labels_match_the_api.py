"""`hsim_generate --labels` writes what the labels API answers by default (the fault
episodes); `--anomalies` adds the data-quality anomalies, as the API's ?anomalies=true."""

import csv
import io
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from simulator_app import engine

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ("--start", "2026-07-01", "--end", "2026-08-01")
ANOMALY_KINDS = {"drift", "stale", "dropout", "outage"}


def generate(tmp_path, *args):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hsim_project.settings",
           "HSIM_VAR_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "manage.py", "hsim_generate", *WINDOW, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def kinds(text):
    return [row["fault"] for row in csv.DictReader(io.StringIO(text))]


def test_labels_are_the_fault_episodes_and_anomalies_add_the_rest(tmp_path):
    faults = generate(tmp_path, "--labels")
    assert faults.returncode == 0, faults.stderr
    expected = engine.labels(engine.parse_spec({}), datetime(2026, 7, 1, tzinfo=timezone.utc),
                             datetime(2026, 8, 1, tzinfo=timezone.utc), anomalies=False)
    assert kinds(faults.stdout) == [label.fault for label in expected]
    assert expected and not set(kinds(faults.stdout)) & ANOMALY_KINDS

    both = generate(tmp_path, "--labels", "--anomalies")
    assert both.returncode == 0, both.stderr
    assert both.stdout.startswith(faults.stdout)  # the faults first, then the anomalies
    assert set(kinds(both.stdout)) - set(kinds(faults.stdout)) <= ANOMALY_KINDS
    assert set(kinds(both.stdout)) & ANOMALY_KINDS


def test_anomalies_without_labels_exits_2(tmp_path):
    out = generate(tmp_path, "--anomalies")
    assert out.returncode == 2 and "--anomalies goes with --labels" in out.stderr
    assert out.stdout == ""
