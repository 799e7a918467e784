"""Starting a simulator (or a fleet) of a disabled org is refused up front -- 409 from the
API, a warning from the admin action, exit status 2 from the command -- instead of being
allowed and then stopped by its first tick."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from simulator_app.models import ActivityLog, Org, SimulatorState
from simulator_app.services import fleets, lifecycle

from .conftest import assert_error, client_for, make_user


@pytest.fixture
def disabled(org, simulator):
    Org.objects.filter(pk=org.pk).update(disabled_ts=timezone.now())
    return simulator  # its cached `org` still says enabled: the check must read it fresh


def assert_not_started(simulator):
    state = SimulatorState.objects.filter(simulator_id=simulator.poller_id).first()
    assert state is None or state.status == "stopped"
    assert not PeriodicTask.objects.filter(name=f"simulator:{simulator.poller_id}",
                                           enabled=True).exists()
    assert not ActivityLog.objects.filter(simulator_id=simulator.poller_id,
                                          event_type="start").exists()


def test_the_service_refuses_it(disabled):
    with pytest.raises(lifecycle.OrgDisabledError, match="is disabled"):
        lifecycle.start(disabled)
    assert_not_started(disabled)


@pytest.mark.parametrize("path", ["/simulator/start/{id}", "/api/simulators/{id}/start/"])
def test_the_api_answers_409_naming_the_disabled_org(disabled, org, path):
    staff = client_for(make_user("root", staff=True))
    response = staff.post(path.format(id=disabled.poller_id))
    assert_error(response, 409, text="disabled")
    assert org.key in response.json()["detail"]
    assert_not_started(disabled)


def test_the_admin_action_reports_it(admin_client, disabled):
    response = admin_client.post(reverse("admin:simulator_app_simulator_changelist"), {
        "action": "start_simulators", "_selected_action": [disabled.pk]}, follow=True)
    text = response.content.decode()
    assert "Not started" in text and "is disabled" in text
    assert_not_started(disabled)


def test_a_fleet_of_a_disabled_org_is_refused_by_the_command(org):
    fleet = fleets.define_fleet(org, "Campus", 2, seed=3)
    Org.objects.filter(pk=org.pk).update(disabled_ts=timezone.now())
    with pytest.raises(CommandError, match="is disabled") as raised:
        call_command("hsim_fleet", "start", "--org", org.key, "--name", "Campus")
    assert raised.value.returncode == 2


def test_a_simulator_of_an_enabled_org_still_starts(simulator):
    assert lifecycle.start(simulator, run_first_tick=False).status == "running"
