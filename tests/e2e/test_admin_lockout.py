"""Admin logins are rate-limited (django-axes), tried with real HTTP posts to a live server.

A username is locked for one client address after AXES_FAILURE_LIMIT failures in a row
(even the right password is refused then, with a 429); a success before that resets the
count; other users keep logging in; `manage.py axes_reset_username` lifts a lock.
"""

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

PASSWORD = "lockout-test-password-1"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff():
    User = get_user_model()
    return [User.objects.create_superuser(name, password=PASSWORD) for name in ("root", "ops")]


def attempt(base, username, password, forwarded_for=None):
    """One browser-like login: the form's CSRF token, then the post."""
    session = requests.Session()
    if forwarded_for:  # what the proxy in front appends
        session.headers["X-Forwarded-For"] = forwarded_for
    form = session.get(f"{base}/admin/login/", timeout=30)
    assert form.status_code == 200
    return session.post(
        f"{base}/admin/login/?next=/admin/", allow_redirects=False, timeout=30,
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "username": username,
              "password": password, "next": "/admin/"},
    )


def test_repeated_failures_lock_the_username_and_the_right_password_is_refused(
        live_server, staff):
    base = live_server.url
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(base, "root", "wrong").status_code == 200  # the form again
    assert attempt(base, "root", PASSWORD).status_code == 302  # a success resets the count
    for _ in range(limit):
        assert attempt(base, "root", "wrong").status_code in (200, 429)
    locked = attempt(base, "root", PASSWORD)
    assert locked.status_code == 429
    assert "sessionid" not in locked.cookies
    # Another user from the same address is not locked out.
    assert attempt(base, "ops", PASSWORD).status_code == 302
    # The operator's way out.
    call_command("axes_reset_username", "root")
    assert attempt(base, "root", PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_lock_holds_for_the_forwarded_client_only(
        live_server, staff, settings):
    settings.HSIM_PROXY_COUNT = 1
    base = live_server.url
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(base, "root", "wrong", forwarded_for="203.0.113.5")
    assert attempt(base, "root", PASSWORD, forwarded_for="203.0.113.5").status_code == 429
    # A client cannot step out of its lock by sending an address of its own first.
    spoofed = attempt(base, "root", PASSWORD, forwarded_for="198.51.100.7, 203.0.113.5")
    assert spoofed.status_code == 429
    # Another client behind the same proxy logs in as that user.
    assert attempt(base, "root", PASSWORD, forwarded_for="203.0.113.6").status_code == 302


def test_logins_without_an_http_request_still_work(staff):
    # The test client's login() (and management commands) call authenticate() without one.
    assert Client().login(username="root", password=PASSWORD)
    assert not Client().login(username="root", password="wrong")
