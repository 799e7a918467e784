"""hsim_issue_token: a service account of one org whose token works on the API."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from simulator_app.models import OrgMembership, ServiceAccount


def issue(*args):
    out, err = StringIO(), StringIO()
    call_command("hsim_issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip().splitlines()[-1]


def test_it_creates_a_service_account_whose_token_reaches_only_its_org(org, other_org,
                                                                      simulator):
    key = issue("--org", org.key, "--name", "poller-1")
    account = ServiceAccount.objects.get(org_id=org.id, name="poller-1")
    assert not account.user.has_usable_password()
    assert OrgMembership.objects.get(user=account.user).org_id == org.id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"/simulator/state/{simulator.poller_id}").status_code == 200
    assert client.get(f"/org/{other_org.id}/poller").status_code == 404


def test_issuing_again_needs_rotate_and_rotate_replaces_the_token(org):
    first = issue("--org", org.key, "--name", "poller-1")
    # Stored hashed: the token cannot be printed again, only replaced.
    with pytest.raises(CommandError, match="--rotate replaces it"):
        issue("--org", org.key, "--name", "poller-1")
    rotated = issue("--org", org.key, "--name", "poller-1", "--rotate")
    assert rotated != first and len(rotated) == 64
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/orgs/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {rotated}")
    assert client.get("/api/orgs/").status_code == 200
    assert ServiceAccount.objects.filter(org_id=org.id).count() == 1


def test_an_unknown_org_is_an_error(db):
    with pytest.raises(CommandError, match="no org"):
        issue("--org", "nosuchorg", "--name", "x")
