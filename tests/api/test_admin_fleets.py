"""The Fleet admin: a validated definition form, and actions that queue the fleet task."""

import json

from django.urls import reverse

from simulator_app import tasks
from simulator_app.models import Fleet, Simulator

from .conftest import SMALL_BUILDING


def add(admin_client, org, **fields):
    data = {"org": org.pk, "name": "Campus", "size": 2, "seed": 5,
            "template": json.dumps(SMALL_BUILDING), "presets": ["seattle"], **fields}
    return admin_client.post(reverse("admin:simulator_app_fleet_add"), data, follow=True)


def test_adding_a_fleet_in_the_admin_queues_its_buildings(
        admin_client, org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = add(admin_client, org)
    assert response.status_code == 200
    fleet = Fleet.objects.get(org=org, name="Campus")
    assert (fleet.size, fleet.seed, fleet.presets) == (2, 5, ["seattle"])
    assert len(queued) == 1
    tasks.fleet_action(fleet.pk, "grow")
    assert Simulator.objects.filter(org=org).count() == 2
    page = admin_client.get(reverse("admin:simulator_app_fleet_changelist")).content.decode()
    assert "Campus" in page


def test_a_bad_template_is_refused_on_the_form_and_creates_nothing(admin_client, org):
    response = add(admin_client, org, template=json.dumps({"site": {"floors": 0}}))
    assert "floors" in response.content.decode()
    assert not Fleet.objects.exists() and not Simulator.objects.filter(org=org).exists()


def test_the_start_action_queues_the_fleet_task(admin_client, org,
                                                django_capture_on_commit_callbacks):
    add(admin_client, org)
    fleet = Fleet.objects.get(org=org)
    with django_capture_on_commit_callbacks() as queued:
        admin_client.post(reverse("admin:simulator_app_fleet_changelist"),
                          {"action": "start_buildings", "_selected_action": [fleet.pk]})
    assert len(queued) == 1
