"""A frozen secondary (a process that accepts connections and never answers) costs the fleet's
ticks one connection attempt, not one per tick; health and metrics show its open circuit and do
not try it either."""

import uuid
from datetime import timedelta

import psycopg
import pytest
from django.test import override_settings
from django.utils import timezone

from simulator_app.services import lifecycle
from simulator_app.services.health import simulator_health
from simulator_app.services.metrics import simulator_metrics
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import run_tick
from simulator_app.services.value_databases import default_database_url

from ..conftest import postgres_admin_url
from ..netfakes import TcpProxy

TICKS = 8


@pytest.fixture
def frozen():
    proxy = TcpProxy.for_url(postgres_admin_url())
    proxy.freeze()
    key = f"frozen{uuid.uuid4().hex[:8]}"  # breaker rows outlive test transactions
    yield key, proxy
    proxy.close()
    with psycopg.connect(default_database_url(), autocommit=True) as conn:
        conn.execute("DELETE FROM core.hsim_value_breaker WHERE db_key = %s", (key,))
        conn.execute("DELETE FROM core.hsim_value_sync WHERE db_key = %s", (key,))


def with_secondary(key, proxy):
    return override_settings(
        HSIM_VALUE_DATABASES=[
            {"key": "default", "url": "default", "primary": True},
            {"key": key, "url": proxy.url(postgres_admin_url()), "primary": False}],
        HSIM_VALUE_DB_CONNECT_TIMEOUT=1, HSIM_SECONDARY_PROBE_SECONDS=3600)


def test_ticks_try_a_frozen_secondary_once_and_health_shows_its_open_circuit(
        db, unique_key, frozen):
    key, proxy = frozen
    with with_secondary(key, proxy):
        simulator = create_simulator(create_org(unique_key("fz")), "Tower", None, 15)
        lifecycle.start(simulator, run_first_tick=False)

        start = timezone.now() - timedelta(minutes=15 * (TICKS - 1))
        results = [run_tick(simulator.poller_id, now=start + timedelta(minutes=15 * i))
                   for i in range(TICKS)]

        assert [r.outcome for r in results] == ["generated"] * TICKS  # the primary path holds
        # Provisioning tried it (to create the org's tables there); then its circuit was open.
        assert proxy.attempts == 1
        skipped = [d["skipped"] for r in results for d in r.databases if d["key"] == key]
        assert skipped == [True] * TICKS

        health = simulator_health(simulator)
        metrics = simulator_metrics(simulator)
        assert proxy.attempts == 1  # neither probes a secondary whose circuit is open

    assert health["status"] == "degraded"
    (entry,) = [d for d in health["checks"]["value_databases"] if d["key"] == key]
    assert entry["circuit"]["state"] == "open" and entry["reachable"] is False
    assert entry["status"] == "error" and "timeout" in entry["circuit"]["last_error"].lower()
    (entry,) = [d for d in metrics["databases"] if d["key"] == key]
    assert entry["circuit"]["state"] == "open" and entry["circuit"]["failures"] == 1
