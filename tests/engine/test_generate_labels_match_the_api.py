"""`hsim_generate --labels` writes what the labels API answers by default (the fault
episodes); `--anomalies` adds the data-quality anomalies, as the API's ?anomalies=true."""

import csv
import io
import json
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


NEW_KIND_BUILDING = {
    "site": {"floors": 1}, "equipment": {"ahu_count": 1, "zone_orientations": ["north"]},
    "faults": [
        {"type": "duct_static_sensor", "equip": "ahu-1", "start": "2026-07-02T00:00:00Z",
         "end": "2026-07-04T00:00:00Z", "severity": 0.5, "magnitude": -0.4},
        {"type": "meter_fault", "equip": "plug-meter", "start": "2026-07-03T00:00:00Z",
         "end": None, "severity": 0.5, "mode": "spike"},
        {"type": "leaking_valve", "equip": "ahu-1", "start": "2026-07-05T00:00:00Z",
         "end": "2026-07-06T00:00:00Z", "severity": 0.3},
    ],
}


def test_labels_write_every_field_of_the_engines_label_and_the_mode(tmp_path):
    config = tmp_path / "building.json"
    config.write_text(json.dumps(NEW_KIND_BUILDING))
    out = generate(tmp_path, "--labels", "--config", str(config))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0]) == ["fault", "entity", "start", "end", "severity", "point",
                             "magnitude", "mode"]
    spec = engine.parse_spec(NEW_KIND_BUILDING)
    expected = engine.labels(spec, datetime(2026, 7, 1, tzinfo=timezone.utc),
                             datetime(2026, 8, 1, tzinfo=timezone.utc), anomalies=False)

    def cell(value):
        return "" if value is None else str(value)

    assert [(r["fault"], r["entity"], r["severity"], r["point"], r["magnitude"])
            for r in rows] == [(l.fault, l.entity, cell(l.severity), cell(l.point),
                                cell(l.magnitude)) for l in expected]
    assert [r["mode"] for r in rows] == ["bias", "spike", ""]  # the default, the named, none
    assert rows[0]["point"] == "ahu-1.duct-static-pressure" and rows[0]["magnitude"]
