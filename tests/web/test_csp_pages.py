"""The pages hsim serves keep working under its Content-Security-Policy, in a real Chromium.

Every CSP violation the browser reports (securitypolicyviolation events and console errors)
fails the test, and each page must do its job: the admin logs in and shows a simulator,
Swagger UI renders the operations of the schema it fetched, the browsable API renders.
"""

import os
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model

from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "csp-test-password-1"
WAIT_MS = 60_000  # two CPUs shared by every test process on this machine
SMALL_BUILDING = {"site": {"name": "Annex", "floors": 1},
                  "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                                "chillers": {"count": 1}, "boilers": {"count": 1}}}
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def browser(live_server):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing (apt-get install -y chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = chromium.new_context().new_page()
            page.set_default_timeout(WAIT_MS)
            page.add_init_script(RECORD_VIOLATIONS)
            errors = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
            page.base = live_server.url
            yield page, errors
        finally:
            chromium.close()


def assert_no_violations(page, errors):
    assert page.evaluate("() => window.__csp") == [], page.url
    assert errors == [], page.url


@pytest.fixture
def admin_user(clean_core):
    return get_user_model().objects.create_superuser("root", password=PASSWORD)


def test_the_admin_works_under_the_csp(live_server, admin_user, unique_key):
    simulator = create_simulator(create_org(unique_key("csp")), "Annex", SMALL_BUILDING, 15)
    with browser(live_server) as (page, errors):
        response = page.goto(page.base + "/admin/login/?next=/admin/")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert_no_violations(page, errors)
        page.fill("#id_username", "root")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(page.base + "/admin/")
        assert page.locator("#site-name").is_visible()
        assert_no_violations(page, errors)
        # A simulator's page (monitoring panel, inline forms, the admin's own scripts).
        page.goto(f"{page.base}/admin/simulator_app/simulator/{simulator.pk}/change/")
        assert page.locator("#content h1").is_visible()
        page.wait_for_load_state("networkidle")
        assert_no_violations(page, errors)
        # The changelist's actions (admin's actions.js) still run.
        page.goto(page.base + "/admin/simulator_app/simulator/")
        page.check("#action-toggle")
        assert page.locator(".action-counter").inner_text().startswith("1 of 1")
        assert_no_violations(page, errors)


def test_swagger_ui_renders_the_schema_under_the_csp(live_server, admin_user):
    with browser(live_server) as (page, errors):
        response = page.goto(page.base + "/api/docs/")
        assert "style-src 'self' 'sha256-" in response.headers["content-security-policy"]
        # Operations appear only once its scripts ran and fetched /api/schema/ ('self').
        page.wait_for_selector(".opblock-summary-path")
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/bulk/value" in p for p in paths)
        page.locator(".opblock-summary").first.click()
        page.wait_for_selector(".opblock-body")
        assert_no_violations(page, errors)


def test_the_browsable_api_renders_under_the_csp(live_server, admin_user):
    with browser(live_server) as (page, errors):
        page.goto(page.base + "/admin/login/?next=/api/orgs/")
        page.fill("#id_username", "root")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(page.base + "/api/orgs/")
        assert page.locator(".response-info").is_visible()
        page.wait_for_load_state("networkidle")
        assert_no_violations(page, errors)
