import pytest
from django.urls import reverse

from simulator_app.models import Org

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "org", "entity", "tagdef", "pollerconfig", "simulator", "simulatorstate", "activitylog",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_every_admin_changelist_renders(admin_client, model):
    response = admin_client.get(reverse(f"admin:simulator_app_{model}_changelist"))
    assert response.status_code == 200


def test_state_and_activity_are_read_only_in_the_admin(admin_client):
    for model in ("simulatorstate", "activitylog"):
        assert admin_client.get(reverse(f"admin:simulator_app_{model}_add")).status_code == 403


def test_the_admin_creates_an_org_with_its_value_tables(admin_client, unique_key):
    key = unique_key()
    response = admin_client.post(
        reverse("admin:simulator_app_org_add"), {"name": f"Org {key}", "key": key}
    )
    assert response.status_code == 302
    org = Org.objects.get(key=key)
    assert (org.value_table, org.schema_name) == (f"values_{key}", key)


def test_the_admin_refuses_a_hostile_org_key(admin_client):
    response = admin_client.post(
        reverse("admin:simulator_app_org_add"), {"name": "Evil", "key": "x; drop table core.org"}
    )
    assert response.status_code == 200
    assert "key" in response.context["adminform"].form.errors
    assert not Org.objects.filter(name="Evil").exists()


def test_the_simulator_page_shows_the_current_values_of_its_points(admin_client, unique_key):
    from datetime import datetime, timezone

    from simulator_app.services import lifecycle
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator
    from simulator_app.services.tick import run_tick

    simulator = create_simulator(create_org(unique_key()), "Tower", None, 15)
    page = reverse("admin:simulator_app_simulator_change", args=[simulator.pk])
    assert "No values yet." in admin_client.get(page).content.decode()
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=datetime(2026, 7, 1, 18, 0, tzinfo=timezone.utc))
    html = admin_client.get(page).content.decode()
    assert "weather.air-temp" in html and "2026-07-01 18:00" in html
    assert "points with a value" in html and "No values yet." not in html
