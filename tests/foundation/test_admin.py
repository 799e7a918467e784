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
