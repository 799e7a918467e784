"""The Simulator admin links to the dashboard and the periodic task, and injects faults through
a small form (the same service as POST /simulator/faults/{id})."""

from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from simulator_app.models import ActivityLog, FaultEpisode
from simulator_app.services import lifecycle

CHANGELIST = "admin:simulator_app_simulator_changelist"


def change_page(admin_client, simulator):
    url = reverse("admin:simulator_app_simulator_change", args=[simulator.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_change_page_links_to_the_dashboard_and_the_periodic_task(admin_client, simulator):
    page = change_page(admin_client, simulator)
    assert f'href="/dashboard/simulators/{simulator.poller_id}/"' in page
    assert "No periodic task yet" in page
    lifecycle.start(simulator, run_first_tick=False)
    task = PeriodicTask.objects.get(name=f"simulator:{simulator.poller_id}")
    page = change_page(admin_client, simulator)
    assert reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]) in page


def act(admin_client, simulator, **form):
    return admin_client.post(reverse(CHANGELIST), {
        "action": "inject_fault", "_selected_action": [simulator.pk], **form}, follow=True)


def test_the_inject_action_shows_a_form_then_injects(admin_client, simulator):
    form_page = act(admin_client, simulator).content.decode()
    assert 'name="target"' in form_page and "Inject" in form_page
    assert FaultEpisode.objects.count() == 0
    response = act(admin_client, simulator, apply="Inject", kind="leaking_valve",
                   target="ahu-1", severity="0.7", ramp_minutes="60", onset="", end="")
    assert "Fault injected: Annex" in response.content.decode()
    episode = FaultEpisode.objects.get()
    assert (episode.kind, episode.target, episode.severity, episode.ramp_minutes) == (
        "leaking_valve", "ahu-1", 0.7, 60)
    assert ActivityLog.objects.filter(simulator_id=simulator.poller_id,
                                      event_type="config_change").count() == 1


def test_a_bad_target_in_the_form_says_so_and_changes_nothing(admin_client, simulator):
    config = simulator.config
    response = act(admin_client, simulator, apply="Inject", kind="stuck_damper",
                   target="ahu-1", severity="0.5", ramp_minutes="0")
    assert "Not injected" in response.content.decode()
    simulator.refresh_from_db()
    assert simulator.config == config and FaultEpisode.objects.count() == 0
