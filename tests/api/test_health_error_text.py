"""A 503 from /simulator/health names the failing database (its key) and the kind of
failure, not the database's own words (hosts, ports, users, SQL): those go to the log, and
staff still see them."""

import logging

from django.test import override_settings

from .conftest import client_for, make_user

DATABASES = [{"key": "default", "url": "default", "primary": True},
             {"key": "replica", "url": "postgresql://hsim_user@127.0.0.1:1/secretdb",
              "primary": False}]
BROKEN_PRIMARY = [{"key": "main", "url": "postgresql://hsim_user@127.0.0.1:1/secretdb",
                   "primary": True}]
LEAKS = ("127.0.0.1", "port 1", "hsim_user", "secretdb", "Connection refused")


def health(client, simulator, databases):
    with override_settings(HSIM_VALUE_DATABASES=databases):
        return client.get(f"/simulator/health/{simulator.poller_id}")


def test_a_member_sees_which_database_failed_but_not_its_error_text(api, simulator, caplog):
    with caplog.at_level(logging.WARNING, logger="simulator_app.services.health"):
        response = health(api, simulator, BROKEN_PRIMARY)
    assert response.status_code == 503
    text = response.content.decode()
    assert not [leak for leak in LEAKS if leak in text], text
    body = response.json()
    (primary,) = body["checks"]["value_databases"]
    assert primary["key"] == "main" and primary["status"] == "error"
    assert primary["last_error"].endswith("(details in the server log)")
    assert any("value database main" in reason for reason in body["reasons"])
    assert "127.0.0.1" in " ".join(r.getMessage() for r in caplog.records)


def test_a_degraded_answer_hides_the_secondarys_error_text_too(api, simulator):
    response = health(api, simulator, DATABASES)
    assert response.status_code == 200
    assert not [leak for leak in LEAKS if leak in response.content.decode()]


def test_staff_see_the_full_error_text(org, simulator):
    response = health(client_for(make_user("root", staff=True)), simulator, BROKEN_PRIMARY)
    assert response.status_code == 503
    assert "127.0.0.1" in response.content.decode()
