"""With the project database down, the API answers 503 like /healthz, never a 500.

The database goes "down" for real: Django's connection is pointed at a TCP proxy in front of
the test database, and the proxy refuses connections (a fake at the edge of the world only)."""

import pytest
from django.db import connection

from ..netfakes import TcpProxy
from .conftest import SMALL_BUILDING, assert_error, client_for, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down():
    """A callable that takes the project database down until the test ends."""
    settings = connection.settings_dict
    saved = settings.get("HOST"), settings.get("PORT")
    proxy = TcpProxy(saved[0] or "127.0.0.1", int(saved[1] or 5432))

    def down():
        connection.close()
        settings["HOST"], settings["PORT"] = "127.0.0.1", proxy.port
        proxy.cut()

    yield down
    connection.close()
    settings["HOST"], settings["PORT"] = saved
    proxy.close()


def test_simulator_health_answers_503_when_the_project_database_is_down(
        clean_core, unique_key, database_down):
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    org = create_org(unique_key("dn"))
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    api = client_for(make_user("member", org))
    assert api.get(f"/simulator/health/{simulator.poller_id}").status_code == 200

    database_down()
    response = api.get(f"/simulator/health/{simulator.poller_id}")
    liveness = api.get("/healthz")

    body = assert_error(response, 503, text="database unavailable")
    assert "Connection refused" not in body["detail"]  # the error text goes to the log only
    assert liveness.status_code == 503 and liveness.json() == {"status": "unavailable"}
