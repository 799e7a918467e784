"""A simulator stopped by a primary failure resumes by itself, with backoff, once a probe sees
the primary back; `error` stays visible until then, a person's decision always wins, and
HSIM_AUTO_RESUME=false keeps the old behaviour (stopped until someone starts it)."""

import uuid
from datetime import timedelta

import psycopg
import pytest
from django.test import override_settings
from django.utils import timezone
from psycopg import sql

from simulator_app.models import ActivityLog, AutoResume, SimulatorState
from simulator_app.services import lifecycle, recovery, schedule
from simulator_app.services.health import simulator_health
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import run_tick

from ..conftest import postgres_admin_url
from ..netfakes import TcpProxy

BACKOFF = 30


@pytest.fixture
def primary():
    """A separate primary value database behind a proxy that can take it down and up."""
    name = f"hsim_ar_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    proxy = TcpProxy.for_url(postgres_admin_url())
    url = proxy.url(postgres_admin_url(name))
    with override_settings(HSIM_VALUE_DATABASES=[{"key": "main", "url": url, "primary": True}],
                           HSIM_VALUE_DB_CONNECT_TIMEOUT=2,
                           HSIM_AUTO_RESUME_BACKOFF_SECONDS=BACKOFF,
                           HSIM_AUTO_RESUME_MAX_BACKOFF_SECONDS=8 * BACKOFF):
        yield proxy
    proxy.close()
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.fixture
def failed(db, unique_key, primary):
    """A running simulator whose tick met the primary down: (simulator, time of failure)."""
    simulator = create_simulator(create_org(unique_key("ar")), "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    now = timezone.now()
    run_tick(simulator.poller_id, now=now - timedelta(minutes=15))
    primary.cut()
    assert run_tick(simulator.poller_id, now=now).outcome == "error"
    return simulator, now


def backoff_passes(simulator):
    AutoResume.objects.filter(simulator_id=simulator.poller_id).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))


def status_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id).status


def events(simulator, kind):
    return list(ActivityLog.objects.filter(simulator_id=simulator.poller_id, event_type=kind))


def test_it_stays_in_error_while_the_primary_is_down_and_says_it_will_resume(failed):
    simulator, _ = failed
    backoff_passes(simulator)

    assert recovery.resume_due() == []  # the probe finds the primary still down

    assert status_of(simulator) == "error" and not schedule.is_enabled(simulator.poller_id)
    (error,) = events(simulator, "error")
    assert "resumes by itself" in error.message and error.details["auto_resume_at"]
    health = simulator_health(simulator)
    assert health["status"] == "unhealthy"
    assert health["checks"]["auto_resume"]["attempts"] == 0
    assert any("resumes by itself" in note for note in health["notes"])


def test_it_resumes_by_itself_once_the_primary_answers_after_the_backoff(
        failed, primary, django_capture_on_commit_callbacks):
    simulator, _ = failed
    primary.thaw()
    assert recovery.resume_due() == []  # the backoff first
    backoff_passes(simulator)

    with django_capture_on_commit_callbacks() as queued:
        resumed = recovery.resume_due()

    assert resumed == [simulator.poller_id]
    assert status_of(simulator) == "running" and schedule.is_enabled(simulator.poller_id)
    assert len(queued) == 1  # its first tick, to fill the gap
    (event,) = events(simulator, "auto_resume")
    assert event.details["attempt"] == 1 and "Primary" in event.details["previous_error"]
    assert run_tick(simulator.poller_id).outcome == "generated"
    recovery.run_probe()  # the generation after the resume ends the ticket
    assert not AutoResume.objects.filter(simulator_id=simulator.poller_id).exists()


def test_a_resume_that_fails_again_waits_twice_as_long(failed, primary):
    simulator, _ = failed
    primary.thaw()
    backoff_passes(simulator)
    assert recovery.resume_due() == [simulator.poller_id]
    primary.cut()

    before = timezone.now()
    assert run_tick(simulator.poller_id).outcome == "error"

    ticket = AutoResume.objects.get(simulator_id=simulator.poller_id)
    assert ticket.attempts == 1 and ticket.resumed_at is None
    assert ticket.next_attempt_at >= before + timedelta(seconds=2 * BACKOFF)
    assert status_of(simulator) == "error"


def test_a_person_stopping_it_keeps_it_stopped(failed, primary):
    simulator, _ = failed
    lifecycle.stop(simulator)
    primary.thaw()

    assert recovery.resume_due(now=timezone.now() + timedelta(hours=1)) == []

    assert status_of(simulator) == "stopped" and events(simulator, "auto_resume") == []


def test_with_auto_resume_off_it_stays_in_error_until_someone_starts_it(db, unique_key, primary,
                                                                        settings):
    settings.HSIM_AUTO_RESUME = False
    simulator = create_simulator(create_org(unique_key("ar")), "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    primary.cut()
    run_tick(simulator.poller_id)
    primary.thaw()

    assert recovery.resume_due(now=timezone.now() + timedelta(hours=1)) == []

    assert status_of(simulator) == "error"
    assert not AutoResume.objects.filter(simulator_id=simulator.poller_id).exists()
