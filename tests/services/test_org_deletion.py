"""Deleting an org stops everything that runs for it, disables it softly (as the platform
does) and logs it; a tick that still reaches a simulator of a deleted org stops it cleanly."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from simulator_app.models import (
    ActivityLog, BackfillJob, Entity, Org, OrgEntityPermission, PollerConfig, SimulatorEntity,
    SimulatorState,
)
from simulator_app.services import backfill, lifecycle, runtime, schedule
from simulator_app.services.org_deletion import delete_org
from simulator_app.services.orgs import create_org
from simulator_app.services.pollers import create_poller
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import run_tick

from .conftest import T0, stored_rows

SMALL = {"site": {"name": "Annex", "floors": 1},
         "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                       "chillers": {"count": 1}, "boilers": {"count": 1}}}


@pytest.fixture
def small(org):
    simulator = create_simulator(org, "Annex", SMALL, 15)
    lifecycle.start(simulator, run_first_tick=False)
    return simulator


def status_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id).status


def has_task(simulator):
    return PeriodicTask.objects.filter(name=schedule.task_name(simulator.poller_id)).exists()


def entity_ids(simulator):
    return list(SimulatorEntity.objects.filter(simulator=simulator).values_list("entity_id",
                                                                                flat=True))


def test_deleting_an_org_stops_its_simulators_and_disables_what_it_owns(org, small):
    other = create_simulator(org, "Second", SMALL, 15)  # stopped: stays stopped
    plain = create_poller(org, "bacnet", "Field bus", {"ip": "10.0.0.1"})
    run_tick(small.poller_id, now=T0)
    rows_before = stored_rows(small)
    job = BackfillJob.objects.create(simulator_id=small.poller_id, start=T0 - timedelta(days=1),
                                     end=T0)
    assert has_task(small) and status_of(small) == "running"

    done = delete_org(org, actor="alice")

    assert done == {"simulators": 2, "running": 1, "pollers": 3,
                    "entities": len(entity_ids(small)) + len(entity_ids(other))}
    assert status_of(small) == status_of(other) == "stopped"
    assert not has_task(small) and not has_task(other)
    assert set(PollerConfig.objects.filter(org_id=org.id).values_list("status", flat=True)) \
        == {"inactive"}
    assert PollerConfig.objects.get(pk=plain.pk).status == "inactive"
    assert not Entity.objects.filter(id__in=entity_ids(small), disabled_ts__isnull=True).exists()
    org_row = Org.objects.get(pk=org.pk)  # softly: the row, its tables and data stay
    assert org_row.disabled_ts is not None
    assert stored_rows(small) == rows_before
    job.refresh_from_db()
    assert job.status == BackfillJob.FAILED and "deleted by alice" in job.error_message
    event = ActivityLog.objects.filter(simulator_id=small.poller_id).first()
    assert event.event_type == "stop" and "deleted by alice" in event.message
    assert event.details["org_deleted"] is True and event.details["previous_status"] == "running"


def test_a_tick_after_the_deletion_generates_nothing(org, small):
    run_tick(small.poller_id, now=T0)
    delete_org(org)
    rows = stored_rows(small)
    assert run_tick(small.poller_id, now=T0 + timedelta(hours=1)).outcome == "org_gone"
    assert stored_rows(small) == rows
    assert status_of(small) == "stopped"


def test_an_entity_another_org_still_sees_stays_enabled(org, small, unique_key):
    neighbour = create_org(unique_key("nb"))
    shared = entity_ids(small)[0]
    OrgEntityPermission.objects.create(org_id=neighbour.id, entity_id=shared)
    delete_org(org)
    assert Entity.objects.get(pk=shared).disabled_ts is None
    assert Entity.objects.filter(id__in=entity_ids(small), disabled_ts__isnull=False).count() \
        == len(entity_ids(small)) - 1


def test_deleting_twice_is_harmless(org, small):
    delete_org(org)
    again = delete_org(org)
    assert again["running"] == 0 and again["pollers"] == 0 and again["entities"] == 0


def test_a_tick_of_a_simulator_whose_org_row_vanished_stops_it_and_logs_why(org, small):
    """The org deleted behind hsim's back (a raw DELETE, or the admin before this fix): the
    tick used to remove the periodic task silently and leave the state `running`."""
    run_tick(small.poller_id, now=T0)
    Org.objects.filter(pk=org.pk).delete()
    result = run_tick(small.poller_id, now=T0 + timedelta(hours=1))
    assert result.outcome == "org_gone"
    assert status_of(small) == "stopped"
    assert not has_task(small)
    assert PollerConfig.objects.get(poller_id=small.poller_id).status == "inactive"
    event = ActivityLog.objects.filter(simulator_id=small.poller_id).first()
    assert event.event_type == "stop" and "no longer exists" in event.message


def test_a_tick_of_a_missing_simulator_still_unschedules_it(db):
    schedule.enable(987655, 15)
    assert run_tick(987655, now=T0).outcome == "missing"
    assert not PeriodicTask.objects.filter(name=schedule.task_name(987655)).exists()


def test_a_backfill_of_a_deleted_orgs_simulator_fails_and_writes_nothing(org, small):
    job = backfill.create_job(small, T0 - timedelta(hours=2), T0)
    delete_org(org)
    BackfillJob.objects.filter(pk=job.pk).update(status=BackfillJob.PENDING)  # a stray run
    with pytest.raises(runtime.OrgGone):
        backfill.run_job(job.pk)
    assert stored_rows(small) == []
    assert BackfillJob.objects.get(pk=job.pk).status == BackfillJob.FAILED


def test_the_admin_delete_stops_and_disables_instead_of_orphaning(admin_client, org, small):
    confirm = admin_client.get(reverse("admin:simulator_app_org_delete", args=[org.pk]))
    assert confirm.status_code == 200
    response = admin_client.post(reverse("admin:simulator_app_org_delete", args=[org.pk]),
                                 {"post": "yes"}, follow=True)
    assert response.status_code == 200
    text = " ".join(str(m) for m in response.context["messages"])
    assert "1 simulator(s) stopped" in text and "data are kept" in text
    assert Org.objects.get(pk=org.pk).disabled_ts is not None
    assert status_of(small) == "stopped" and not has_task(small)
    assert PollerConfig.objects.get(poller_id=small.poller_id).status == "inactive"


def test_the_admin_bulk_delete_action_uses_the_same_service(admin_client, org, small):
    response = admin_client.post(reverse("admin:simulator_app_org_changelist"),
                                 {"action": "delete_selected", "_selected_action": [org.pk],
                                  "post": "yes"}, follow=True)
    assert response.status_code == 200
    assert Org.objects.get(pk=org.pk).disabled_ts is not None
    assert status_of(small) == "stopped" and not has_task(small)


def test_the_cli_creates_nothing_in_a_deleted_org(org):
    delete_org(org)
    with pytest.raises(CommandError) as info:
        call_command("hsim_create_simulator", "--org", org.key, "--name", "Late")
    assert info.value.returncode == 2 and "disabled" in str(info.value)
    assert not PollerConfig.objects.filter(poller_name="Late").exists()
