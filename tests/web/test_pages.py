"""The browser pages on the server side: login, org isolation, what the HTML carries.

The charts themselves are checked in a real Chromium (test_dashboard_browser.py); these tests
pin what the server answers, through Django's test client.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from simulator_app.models import OrgMembership, SimulatorState
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.web import views

TINY = {
    "site": {"name": "Annex", "floors": 1},
    "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                  "chillers": {"count": 1}, "boilers": {"count": 1}},
}


@pytest.fixture
def org(db, unique_key):
    return create_org(unique_key("web"))


@pytest.fixture
def other_org(db, unique_key):
    return create_org(unique_key("wot"))


def member_of(org, name):
    user = get_user_model().objects.create_user(name, password=None)
    OrgMembership.objects.create(user=user, org=org, role=OrgMembership.MEMBER)
    return user


@pytest.fixture
def simulator(org):
    return create_simulator(org, "Annex", TINY, 15)


def test_it_sends_anonymous_visitors_to_the_login_and_back(client, simulator):
    for url in ("/", f"/dashboard/simulators/{simulator.poller_id}/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/login/?next={url}"


def test_an_org_member_who_is_not_staff_logs_in_with_the_form(client, org, simulator):
    user = member_of(org, "alice")
    user.set_password("a-long-password")
    user.save()
    url = f"/dashboard/simulators/{simulator.poller_id}/"
    page = client.get(f"/login/?next={url}").content.decode()
    assert 'id="login-form"' in page and f'value="{url}"' in page
    response = client.post(f"/login/?next={url}", {
        "username": "alice", "password": "a-long-password", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get(url).status_code == 302


def test_a_wrong_password_is_refused(client, org):
    user = member_of(org, "alice")
    user.set_password("a-long-password")
    user.save()
    response = client.post("/login/", {"username": "alice", "password": "nope-nope-nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert client.get("/").status_code == 302


def test_the_landing_page_lists_only_the_users_simulators(client, org, other_org, simulator):
    theirs = create_simulator(other_org, "Elsewhere", TINY, 15)
    SimulatorState.objects.filter(simulator_id=simulator.poller_id).update(status="running")
    client.force_login(member_of(org, "alice"))
    html = client.get("/").content.decode()
    assert f'href="/dashboard/simulators/{simulator.poller_id}/"' in html
    assert f'data-health-url="/simulator/health/{simulator.poller_id}"' in html
    assert "status-running" in html
    assert "Elsewhere" not in html and str(theirs.poller_id) not in re.findall(
        r'data-poller-id="(\d+)"', html)


def test_the_landing_page_says_how_to_start_when_there_is_nothing(client, org):
    client.force_login(member_of(org, "alice"))
    html = client.get("/").content.decode()
    assert "No simulators in your organisations yet" in html


def test_the_landing_page_is_paginated(client, org, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for name in ("A", "B", "C"):
        create_simulator(org, name, TINY, 15)
    client.force_login(member_of(org, "alice"))
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert len(re.findall(r"data-poller-id=", first)) == 2
    assert len(re.findall(r"data-poller-id=", second)) == 1
    assert "page 2 of 2" in second


def test_another_orgs_simulator_is_a_404(client, other_org, simulator):
    client.force_login(member_of(other_org, "mallory"))
    response = client.get(f"/dashboard/simulators/{simulator.poller_id}/")
    assert response.status_code == 404
    assert client.get("/dashboard/simulators/999999999/").status_code == 404


def test_the_dashboard_hands_its_script_the_read_api_and_nothing_inline(client, org, simulator):
    client.force_login(member_of(org, "alice"))
    response = client.get(f"/dashboard/simulators/{simulator.poller_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    sid = simulator.poller_id
    for name, url in {"points": f"/simulator/points/{sid}", "history": f"/simulator/history/{sid}",
                      "labels": f"/simulator/labels/{sid}", "equips": f"/simulator/equips/{sid}",
                      "health": f"/simulator/health/{sid}", "state": f"/simulator/state/{sid}"
                      }.items():
        assert f'data-{name}-url="{url}"' in html
    # A Content-Security-Policy of 'self' blocks inline code and style attributes.
    assert "style=" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip()
                           for attrs, body in scripts)
    assert "/static/web/vendor/uplot/uPlot.iife.min.js" in html


def test_the_vendored_chart_library_is_served_from_static(client, org):
    from django.contrib.staticfiles import finders

    path = finders.find("web/vendor/uplot/uPlot.iife.min.js")
    assert path and "uPlot" in open(path, encoding="utf-8").read(200_000)
    assert finders.find("web/vendor/uplot/LICENSE")


def test_the_admin_pages_dashboard_link_opens_the_dashboard_for_staff(admin_client, simulator):
    page = admin_client.get(
        reverse("admin:simulator_app_simulator_change", args=[simulator.pk])).content.decode()
    assert f'href="/dashboard/simulators/{simulator.poller_id}/"' in page
    dashboard = admin_client.get(f"/dashboard/simulators/{simulator.poller_id}/")
    assert dashboard.status_code == 200  # staff see every org's simulators, as in the API
    assert "admin page" in dashboard.content.decode()
