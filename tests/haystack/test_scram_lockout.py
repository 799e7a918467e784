"""SCRAM logins are under the admin login's lockout (django-axes): after AXES_FAILURE_LIMIT
wrong proofs in a row a username is locked for that client address (429, even with the right
password), a success before that resets the count, and other users keep logging in.

A live server of this test process (the package's gunicorn server runs with axes off)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from simulator_app.models import OrgMembership
from simulator_app.services.orgs import create_org

from .test_auth import Login

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "scram-lockout-password-1"


@pytest.fixture
def root(live_server, unique_key):
    org = create_org(unique_key("sl"))
    User = get_user_model()
    for name in ("carol", "dave"):
        OrgMembership.objects.create(user=User.objects.create_user(name, password=PASSWORD),
                                     org=org)
    return f"{live_server.url}/haystack/{org.key}"


def login(root, username, password):
    exchange = Login(root, username, password)
    assert exchange.hello().status_code == 401
    assert exchange.first().status_code == 401
    return exchange.final().status_code


def test_repeated_wrong_proofs_lock_the_username_and_the_right_password_is_refused(root):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert login(root, "carol", "wrong") == 403
    assert login(root, "carol", PASSWORD) == 200  # a success resets the count
    for _ in range(limit - 1):
        assert login(root, "carol", "wrong") == 403
    assert login(root, "carol", "wrong") == 429  # the failure that locks (axes' middleware)
    assert login(root, "carol", PASSWORD) == 429
    assert login(root, "dave", PASSWORD) == 200  # another user is not locked out
    call_command("axes_reset_username", "carol")  # the operator's way out
    assert login(root, "carol", PASSWORD) == 200
