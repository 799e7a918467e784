"""Files given to the command line: one bounded loader for every command, exit 2, no echo.

Hostile files run through the real commands in a subprocess (a hang or a MemoryError is what
the user would see); the timeout only guards the test run against a hang, it measures nothing.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from simulator_app.models import Org, Simulator
from simulator_app.services import config_files
from simulator_app.services.config_files import ConfigFileError, load_building_file

ROOT = Path(__file__).resolve().parents[2]

ALIAS_BOMB = "".join(
    [f'a: &a [{", ".join(["lol"] * 9)}]\n']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")]
)

COMMANDS = {
    "hsim_points": [],
    "hsim_generate": ["--start", "2026-01-01T00:00Z", "--end", "2026-01-01T01:00Z"],
    "hsim_create_simulator": ["--org", "hostile", "--name", "Bomb"],
}


def run_command(tmp_path, command, config):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(HSIM_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="hsim_project.settings")
    return subprocess.run(
        [sys.executable, "manage.py", command, "--config", str(config), *COMMANDS[command]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def created_orgs(tmp_path):
    import sqlite3

    path = tmp_path / "var" / "hsim.sqlite3"
    if not path.exists():
        return 0
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM core_org").fetchone()[0]
    except sqlite3.OperationalError:  # never migrated: nothing was created
        return 0
    finally:
        db.close()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_yaml_alias_bomb_with_status_2(tmp_path, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)

    out = run_command(tmp_path, command, bomb)

    assert out.returncode == 2, out.stderr[-2000:]
    assert "expands to more than 100000 YAML nodes" in out.stderr
    assert "Traceback" not in out.stderr and "lol" not in out.stderr and out.stdout == ""
    assert created_orgs(tmp_path) == 0


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_an_endless_file_without_reading_it_all(tmp_path, command):
    out = run_command(tmp_path, command, "/dev/zero")

    assert out.returncode == 2, out.stderr[-2000:]
    assert "/dev/zero is larger than 1024 KiB" in out.stderr
    assert "MemoryError" not in out.stderr and "Traceback" not in out.stderr
    assert created_orgs(tmp_path) == 0


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("deep.yaml", "a: " + "[" * 200 + "]" * 200 + "\n", "nested more than 64 levels"),
        ("deep.json", '{"a": ' + "[" * 5000 + "]" * 5000 + "}", "nested more than 64 levels"),
        ("deeper.json", '{"a": ' + "[" * 100 + "]" * 100 + "}", "nested more than 64 levels"),
        ("loop.yaml", "a: &x [1, *x]\n", "alias inside its own anchor"),
        ("many.yaml", "a: &x 1\nb: [" + ", ".join(["*x"] * 101) + "]\n", "more than 100 YAML aliases"),
        ("two.yaml", "a: 1\n---\nb: 2\n", "is not valid YAML"),
        ("list.yaml", "- 1\n- 2\n", "must hold an object"),
        ("binary.yaml", "caf\xe9", None),
    ],
)
def test_the_loader_refuses_what_no_spec_looks_like(tmp_path, name, text, message):
    path = tmp_path / name
    if name == "binary.yaml":
        path.write_bytes(b"site: \xff\xfe\n")
        message = "is not UTF-8 text"
    else:
        path.write_text(text)
    with pytest.raises(ConfigFileError) as info:
        load_building_file(path)
    assert message in str(info.value)


def test_the_loader_reads_up_to_its_bound_and_no_further(tmp_path, monkeypatch):
    monkeypatch.setattr(config_files, "MAX_BYTES", 64)
    fits = write(tmp_path, "fits.yaml", "site:\n  floors: 3\nequipment:\n  ahu_count: 1\n")
    assert load_building_file(fits)[0]["site"]["floors"] == 3
    too_big = write(tmp_path, "big.yaml", "site:\n  floors: 3\n" + "#" * 64 + "\n")
    with pytest.raises(ConfigFileError, match="larger than"):
        load_building_file(too_big)


@pytest.mark.parametrize(
    "name, text",
    [
        # Lines of a file that is not a spec: their text must not come back as field names.
        ("notes.yaml", "password_hunter2: yes\nsecret_token_abc: [1, 2]\n"),
        ("broken.yaml", "site:\n  floors: 3\nsecret_token_abc: [\n"),
        ("broken.json", '{"secret_token_abc": [1, }'),
        ("nested.yaml", "site:\n  secret_token_abc: 3\n"),
    ],
)
def test_no_command_echoes_the_content_of_a_file_it_refuses(tmp_path, name, text):
    path = write(tmp_path, name, text)
    for command in ("hsim_points", "hsim_generate"):
        with pytest.raises(CommandError) as info:
            call_command(command, "--config", str(path), *COMMANDS[command], stdout=io.StringIO())
        message = str(info.value)
        assert info.value.returncode == 2
        assert "secret_token_abc" not in message and "hunter2" not in message, message
        assert str(path) in message


def test_unknown_fields_are_counted_with_the_fields_that_exist(tmp_path):
    path = write(tmp_path, "typo.yaml", "site:\n  flors: 3\n  floors: 2\nequipment:\n  ahu_count: 1\n")
    with pytest.raises(ConfigFileError) as info:
        load_building_file(path)
    message = str(info.value)
    assert "site: 1 unknown field; known fields: address, area_ft2" in message
    assert "flors" not in message


def test_a_simulator_config_file_gives_its_building_and_interval(tmp_path):
    path = write(tmp_path, "sim.json", json.dumps(
        {"building_config": {"site": {"floors": 2}, "equipment": {"ahu_count": 1}},
         "interval_minutes": 30}))
    building, interval = load_building_file(path)
    assert building["site"]["floors"] == 2 and interval == 30


def create(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("hsim_create_simulator", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1], err.getvalue()


SMALL = "site:\n  floors: 2\nequipment:\n  ahu_count: 1\nfaults: []\n"


def test_create_simulator_refuses_an_interval_that_conflicts_with_the_spec(db, unique_key, tmp_path):
    spec = write(tmp_path, "small.yaml", SMALL + "interval_minutes: 30\n")
    key = unique_key("cli")
    with pytest.raises(CommandError) as info:
        create("--org", key, "--name", "Conflict", "--config", str(spec), "--interval", "15")
    assert info.value.returncode == 2
    assert "--interval 15 conflicts with interval_minutes: 30" in str(info.value)
    assert not Org.objects.filter(key=key).exists()


def test_create_simulator_takes_the_interval_when_only_one_place_states_it(db, unique_key, tmp_path):
    key = unique_key("cli")
    stated = write(tmp_path, "stated.yaml", SMALL + "interval_minutes: 30\n")
    unstated = write(tmp_path, "unstated.yaml", SMALL)
    same, _ = create("--org", key, "--name", "Same", "--config", str(stated), "--interval", "30")
    flag, _ = create("--org", key, "--name", "Flag", "--config", str(unstated), "--interval", "5")
    spec, _ = create("--org", key, "--name", "Spec", "--config", str(stated))
    intervals = [Simulator.objects.get(poller_id=int(i)).config_dict["interval_minutes"]
                 for i in (same, flag, spec)]
    assert intervals == [30, 5, 30]


@pytest.mark.parametrize("content", [None, "[" * 100 + "]" * 100, '{"version": 99}'])
def test_hsim_generate_reads_a_state_file_through_the_same_bounds(tmp_path, content):
    path = "/dev/zero" if content is None else write(tmp_path, "state.json", content)
    with pytest.raises(CommandError) as info:
        call_command("hsim_generate", *COMMANDS["hsim_generate"], "--state-in", str(path),
                     stdout=io.StringIO())
    assert info.value.returncode == 2
    assert str(info.value).startswith("--state-in: ")


def test_create_simulator_says_an_existing_simulator_keeps_its_configuration(db, unique_key):
    key = unique_key("cli")
    first, _ = create("--org", key, "--name", "Kept", "--interval", "30")
    again, message = create("--org", key, "--name", "Kept", "--interval", "5")
    assert again == first and "kept as it is" in message
    assert Simulator.objects.get(poller_id=int(first)).config_dict["interval_minutes"] == 30
