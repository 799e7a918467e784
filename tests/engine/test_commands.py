"""hsim_points and hsim_generate: the command-line contract other tools rely on."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator_app.engine import catalogue, default_spec, generate, parse_spec
from simulator_app.engine.clock import iso

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manage(tmp_path_factory):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hsim_project.settings",
           "HSIM_VAR_DIR": str(tmp_path_factory.mktemp("var"))}

    def call(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    return call


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def _absent(batch):
    """Points with no row at all in the batch (every interval dropped out)."""
    return {key for p, key in enumerate(batch.points) if not batch.present[:, p].any()}


def test_points_prints_one_json_object_per_point(manage):
    out = manage("hsim_points")
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["key"] for r in records] == [p.key for p in catalogue(default_spec()).points]
    first = records[0]
    assert set(first) == {"key", "dis", "kind", "unit", "tags", "equip", "equip_tags"}
    vav = next(r for r in records if r["key"] == "vav-01-north.zone-temp")
    assert vav["unit"] == "°F" and vav["kind"] == "Number"
    assert vav["tags"]["equipRef"] == {"_kind": "ref", "val": "vav-01-north"}
    assert "vav" in vav["equip_tags"]


def test_generate_writes_aligned_utc_rows_for_start_to_end(manage):
    out = manage("hsim_generate", "--start", "2026-07-15T00:00:00Z",
                 "--end", "2026-07-15T01:00:00Z")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "ts,point,value_n,value_b,value_s,status"
    data = rows(out.stdout)
    stamps = sorted({r["ts"] for r in data})
    assert stamps == ["2026-07-15T00:00:00Z", "2026-07-15T00:15:00Z",
                      "2026-07-15T00:30:00Z", "2026-07-15T00:45:00Z"]
    keys = {p.key for p in catalogue(default_spec()).points}
    assert {r["point"] for r in data} <= keys
    assert {r["status"] for r in data} <= {"ok", "stale", "fault", "down"}
    occupied = [r for r in data if r["point"].endswith(".occupied")]
    assert occupied and all(r["value_b"] in ("true", "false") and r["value_n"] == ""
                            for r in occupied)
    temps = [r for r in data if r["point"].endswith(".zone-temp")]
    assert all(60 < float(r["value_n"]) < 90 and r["value_b"] == "" for r in temps)


def test_generate_continues_exactly_from_a_saved_state(manage, tmp_path):
    """Two runs chained through --state-out/--state-in give what one engine run gives."""
    state = tmp_path / "state.json"
    first = manage("hsim_generate", "--start", "2026-03-07T22:00:00Z",
                   "--end", "2026-03-08T04:00:00Z", "--state-out", str(state))
    second = manage("hsim_generate", "--start", "2026-03-08T04:00:00Z",
                    "--end", "2026-03-08T10:00:00Z", "--state-in", str(state))
    assert first.returncode == second.returncode == 0, second.stderr
    assert json.loads(state.read_text())["last_end"] == 1772942400
    batch, _ = generate(default_spec(), None, 1772920800, 1772964000)
    expected = {}
    for k, t in enumerate(batch.ts):
        for p, key in enumerate(batch.points):
            if batch.present[k, p]:
                expected[(iso(t), key)] = float(batch.values[k, p])
    got = {}
    for r in rows(first.stdout) + rows(second.stdout):
        value = float(r["value_n"]) if r["value_n"] else float(r["value_b"] == "true")
        got[(r["ts"], r["point"])] = value
    assert got == expected


def test_generate_reads_yaml_configs_and_overrides_the_seed(manage, tmp_path):
    config = tmp_path / "small.yaml"
    config.write_text("site:\n  floors: 2\nequipment:\n  ahu_count: 1\ninterval_minutes: 30\n"
                      "faults: []\n")
    out = manage("hsim_generate", "--config", str(config), "--start", "2026-01-05T12:00:00Z",
                 "--end", "2026-01-05T13:00:00Z", "--seed", "7")
    assert out.returncode == 0, out.stderr
    data = rows(out.stdout)
    assert sorted({r["ts"] for r in data}) == ["2026-01-05T12:00:00Z", "2026-01-05T12:30:00Z"]
    spec = parse_spec({"site": {"floors": 2}, "equipment": {"ahu_count": 1},
                       "interval_minutes": 30, "faults": [], "seed": 7})
    batch, _ = generate(spec, None, 1767614400, 1767618000)
    assert {r["point"] for r in data} == set(batch.points) - _absent(batch)
    oat = [float(r["value_n"]) for r in data if r["point"] == "weather.air-temp"]
    column = batch.values[:, batch.points.index("weather.air-temp")]
    assert oat == [float(v) for v in column if v == v]


def test_labels_are_written_as_csv(manage):
    out = manage("hsim_generate", "--start", "2026-07-01T00:00:00Z",
                 "--end", "2026-08-01T00:00:00Z", "--labels")
    assert out.returncode == 0, out.stderr
    data = rows(out.stdout)
    assert out.stdout.startswith("fault,entity,start,end,severity")
    stuck = next(r for r in data if r["fault"] == "stuck_damper")
    assert stuck == {"fault": "stuck_damper", "entity": "vav-03-south",
                     "start": "2026-07-06T15:00:00Z", "end": "2026-07-31T19:00:00Z",
                     "severity": "0.8", "point": "", "magnitude": "", "mode": ""}


def test_a_misaligned_window_exits_with_status_2_and_a_message(manage):
    out = manage("hsim_generate", "--start", "2026-07-15T00:07:00Z",
                 "--end", "2026-07-15T01:00:00Z")
    assert out.returncode == 2
    assert "aligned" in out.stderr and out.stdout == ""


def test_an_invalid_spec_names_its_fields(manage, tmp_path):
    config = tmp_path / "bad.json"
    config.write_text(json.dumps({"interval_minutes": 7, "site": {"floors": -1}}))
    out = manage("hsim_points", "--config", str(config))
    assert out.returncode == 2
    assert "interval_minutes" in out.stderr and "site.floors" in out.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hsim_project.settings",
           "HSIM_VAR_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "manage.py", "hsim_points"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert json.loads(process.stdout.readline())["key"]
    process.stdout.close()  # what `| head -1` does
    _, err = process.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
