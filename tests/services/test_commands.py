import io
import json

import pytest
from django.core.management import CommandError, call_command

from simulator_app.models import Org, Simulator


def create(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("hsim_create_simulator", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1], err.getvalue()


def test_create_simulator_prints_the_poller_id_last_and_finds_it_again(db, unique_key):
    key = unique_key("cmd")
    first, message = create("--org", key, "--name", "HQ", "--interval", "30")
    simulator = Simulator.objects.get(poller_id=int(first))
    assert simulator.org.key == key and simulator.config_dict["interval_minutes"] == 30
    assert "created" in message
    again, message = create("--org", key, "--name", "HQ")
    assert again == first and "found existing" in message
    assert Simulator.objects.filter(org__key=key).count() == 1


def test_create_simulator_reads_a_yaml_building_spec(db, unique_key, tmp_path):
    spec = tmp_path / "small.yaml"
    spec.write_text(
        "site:\n  name: Small Office\n  floors: 3\nequipment:\n  ahu_count: 1\nfaults: []\n"
    )
    poller_id, _ = create("--org", unique_key("cmd"), "--name", "Small", "--config", str(spec))
    config = Simulator.objects.get(poller_id=int(poller_id)).config_dict
    assert config["building_config"]["site"]["floors"] == 3


@pytest.mark.parametrize(
    "content, args",
    [
        ("site:\n  floors: -2\n", []),
        ("{not yaml: [", []),
        ("", ["--interval", "7"]),
    ],
)
def test_create_simulator_refuses_bad_input_with_exit_status_2(db, unique_key, tmp_path, content, args):
    spec = tmp_path / "bad.yaml"
    spec.write_text(content or "{}\n")
    key = unique_key("cmd")
    with pytest.raises(CommandError) as info:
        create("--org", key, "--name", "Bad", "--config", str(spec), *args)
    assert info.value.returncode == 2
    assert not Simulator.objects.filter(poller_name="Bad").exists()
    assert not Org.objects.filter(key=key).exists()


def test_create_simulator_refuses_a_hostile_org_key(db):
    with pytest.raises(CommandError) as info:
        create("--org", "x; drop table core.org", "--name", "Bad")
    assert info.value.returncode == 2
    assert not Org.objects.filter(name__contains="drop").exists()
