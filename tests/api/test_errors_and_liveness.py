"""One error shape everywhere (including Django's own 404 and crashes), and /healthz."""

from django.test import Client

from simulator_app.api.views import health as health_views

from .conftest import assert_error, client_for


def test_an_unknown_url_answers_in_the_error_shape(api):
    assert_error(api.get("/no/such/thing"), 404)


def test_an_unsupported_method_answers_in_the_error_shape(api, simulator):
    assert_error(api.delete(f"/simulator/state/{simulator.poller_id}"), 405, text="not allowed")


def test_a_non_json_body_is_a_415(api, simulator):
    response = api.generic("POST", "/poller", "org_id=1", content_type="text/plain")
    assert_error(response, 415, text="unsupported media type")


def test_a_crash_answers_500_in_the_error_shape_without_details(member, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("simulator_app.api.views.pollers.access.visible_pollers", boom)
    client = client_for(member)
    client.raise_request_exception = False  # answer like production instead of re-raising
    response = client.get("/poller?type=simulator")
    body = assert_error(response, 500)
    assert "secret" not in response.content.decode()
    assert body["detail"] == "Internal server error."


def test_the_admin_keeps_its_html_404(admin_client):
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


def test_liveness_answers_without_authentication(db):
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_liveness_is_503_when_the_database_does_not_answer(db, monkeypatch):
    monkeypatch.setattr(health_views, "liveness", lambda: {"ok": False, "error": "down"})
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
