"""hsim_reprovision: tags an upgrade changed reach the existing points of every simulator
(idempotently), one progress line each; bad input is exit status 2, a busy simulator 1."""

import io

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from simulator_app.models import ActivityLog, EntityTag, SimulatorEntity
from simulator_app.services.locks import LOCK_NAMESPACE
from simulator_app.services.simulators import create_simulator

from tests.api.conftest import SMALL_BUILDING


def run(*args):
    out = io.StringIO()
    call_command("hsim_reprovision", *args, stdout=out)
    return out.getvalue()


def point_entity(simulator):
    return SimulatorEntity.objects.filter(simulator=simulator, is_point=True).order_by(
        "key").first().entity_id


def live_tags(entity_id):
    return {t.tag.name: t for t in EntityTag.objects.select_related("tag").filter(
        entity_id=entity_id, disabled_ts__isnull=True)}


def as_an_older_version_left_it(simulator):
    """One point lacks its `his` marker and has another `unit`, as an older catalogue wrote."""
    entity_id = point_entity(simulator)
    tags = live_tags(entity_id)
    tags["his"].delete()
    EntityTag.objects.filter(pk=tags["unit"].pk).update(value_s="old-unit")
    return entity_id, tags["unit"].value_s


@pytest.fixture
def two(org):
    return (create_simulator(org, "A", SMALL_BUILDING, 15),
            create_simulator(org, "B", SMALL_BUILDING, 15))


def test_it_resyncs_changed_tags_of_existing_points_and_a_second_run_changes_nothing(two):
    a, b = two
    entity_id, unit = as_an_older_version_left_it(a)
    entities_before = SimulatorEntity.objects.filter(simulator=a).count()
    out = run("--all")
    assert f"simulator {a.poller_id} (A): 2 tags written, 1 tags disabled" in out
    assert f"simulator {b.poller_id} (B): unchanged" in out
    assert "[1/" in out and "1 changed" in out
    tags = live_tags(entity_id)
    assert "his" in tags and tags["unit"].value_s == unit
    assert EntityTag.objects.filter(entity_id=entity_id, value_s="old-unit",
                                    disabled_ts__isnull=False).exists()  # kept, disabled
    assert SimulatorEntity.objects.filter(simulator=a).count() == entities_before
    event = ActivityLog.objects.get(simulator_id=a.poller_id, event_type="config_change")
    assert event.details["reason"] == "reprovision"
    rows = EntityTag.objects.count()
    again = run(str(a.poller_id), str(b.poller_id))
    assert "0 changed, 2 unchanged" in again and EntityTag.objects.count() == rows


@pytest.mark.parametrize("args, text", [
    ((), "give --all"),
    (("--all", "1"), "not both"),
    (("999999",), "999999"),
    (("--all", "--wait", "-1"), "--wait"),
])
def test_bad_input_is_exit_status_2_and_changes_nothing(two, args, text):
    as_an_older_version_left_it(two[0])
    rows = EntityTag.objects.count()
    with pytest.raises(CommandError, match=text) as raised:
        run(*args)
    assert raised.value.returncode == 2
    assert EntityTag.objects.count() == rows


def test_a_busy_simulator_is_exit_status_1_and_the_others_are_done(two):
    a, b = two
    entity_id, _ = as_an_older_version_left_it(b)
    db = connection.settings_dict
    other = psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"],
                            port=db["PORT"] or 5432, password=db["PASSWORD"] or None,
                            autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_NAMESPACE, a.poller_id])
        with pytest.raises(CommandError, match=f"failed: {a.poller_id}") as raised:
            run("--all", "--wait", "0")
    finally:
        other.close()
    assert raised.value.returncode == 1
    assert "his" in live_tags(entity_id)  # B was re-provisioned all the same
