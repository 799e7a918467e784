"""The Simulator admin: start/stop/reset actions, a monitoring change page, validated edits."""

import json

import pytest
from django.urls import reverse

from simulator_app.models import (
    ActivityLog, PollerConfig, Simulator, SimulatorEntity, SimulatorState,
)
from simulator_app.services import lifecycle
from simulator_app.services.tick import run_tick

from .conftest import SMALL_BUILDING, counts

CHANGELIST = "admin:simulator_app_simulator_changelist"


def act(admin_client, action, *simulators):
    return admin_client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [s.pk for s in simulators]}, follow=True)


def status_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id).status


def test_the_actions_start_stop_and_reset(admin_client, simulator):
    response = act(admin_client, "start_simulators", simulator)
    assert status_of(simulator) == "running"
    assert "Started: Annex" in response.content.decode()
    act(admin_client, "stop_simulators", simulator)
    assert status_of(simulator) == "stopped"
    stop = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="stop")
    assert "admin" in stop.message
    act(admin_client, "reset_and_clear_simulators", simulator)
    reset = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="reset")
    assert reset.details["clear_data"] is True


def test_an_illegal_transition_is_reported_not_raised(admin_client, simulator):
    response = act(admin_client, "stop_simulators", simulator)
    assert response.status_code == 200
    assert "already stopped" in response.content.decode()


def test_the_change_page_shows_state_metrics_and_activity(admin_client, simulator):
    lifecycle.start(simulator, run_first_tick=False)
    result = run_tick(simulator.poller_id)
    page = admin_client.get(reverse("admin:simulator_app_simulator_change",
                                    args=[simulator.pk])).content.decode()
    assert "State, metrics and recent activity" in page
    assert "<strong>running</strong>" in page
    assert f"/ {result.rows}</td>" in page  # total rows in the metrics
    assert "hsim-event-generation" in page and "hsim-event-start" in page


def test_the_add_page_creates_a_provisioned_simulator(admin_client, org):
    config = json.dumps({"building_config": SMALL_BUILDING, "interval_minutes": 30})
    response = admin_client.post(reverse("admin:simulator_app_simulator_add"), {
        "org": org.id, "poller_name": "Admin wing", "config": config, "status": "active"})
    assert response.status_code == 302, response.content.decode()[:2000]
    simulator = Simulator.objects.get(poller_name="Admin wing")
    assert json.loads(simulator.config)["interval_minutes"] == 30
    assert SimulatorState.objects.filter(simulator_id=simulator.poller_id).exists()
    assert SimulatorEntity.objects.filter(simulator_id=simulator.poller_id).count() > 0


@pytest.mark.parametrize("config, text", [
    ({"interval_minutes": 7}, "divides a day"),
    ({"building_config": {"site": {"floors": 0}}}, "site.floors"),
])
def test_the_admin_refuses_a_bad_config_and_creates_nothing(admin_client, org, config, text):
    before = counts()
    response = admin_client.post(reverse("admin:simulator_app_simulator_add"), {
        "org": org.id, "poller_name": "Broken", "config": json.dumps(config),
        "status": "active"})
    assert response.status_code == 200
    assert text in str(response.context["adminform"].form.errors["config"])
    assert counts() == before


def test_editing_the_config_goes_through_validation_and_logs_it(admin_client, simulator):
    config = json.loads(simulator.config)
    config["interval_minutes"] = 60
    response = admin_client.post(
        reverse("admin:simulator_app_simulator_change", args=[simulator.pk]),
        {"org": simulator.org_id, "poller_name": "Annex", "config": json.dumps(config),
         "status": "active"})
    assert response.status_code == 302
    assert json.loads(Simulator.objects.get(pk=simulator.pk).config)["interval_minutes"] == 60
    assert ActivityLog.objects.filter(simulator_id=simulator.poller_id,
                                      event_type="config_change").exists()


def test_the_generic_poller_admin_refuses_raw_simulators(admin_client, org):
    before = counts()
    response = admin_client.post(reverse("admin:simulator_app_pollerconfig_add"), {
        "org": org.id, "poller_type": "simulator", "poller_name": "Raw", "config": "{}",
        "status": "active"})
    assert response.status_code == 200
    assert "Simulators page" in str(response.context["adminform"].form.errors)
    assert counts() == before


def test_the_generic_poller_admin_creates_other_pollers(admin_client, org):
    response = admin_client.post(reverse("admin:simulator_app_pollerconfig_add"), {
        "org": org.id, "poller_type": "bacnet", "poller_name": "Field bus",
        "config": '{"host": "10.0.0.9"}', "status": "active"})
    assert response.status_code == 302
    poller = PollerConfig.objects.get(poller_name="Field bus")
    assert poller.poller_id is not None and poller.poller_type == "bacnet"
