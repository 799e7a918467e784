"""End to end: a real worker with its embedded beat (HsimScheduler) puts a simulator in `error`
when its primary value database goes down, and - with nobody touching it - the recovery probe
on beat's schedule resumes it once the database is back, and it generates again."""

import json
import secrets
import uuid

import psycopg
import pytest
from django.test import override_settings
from psycopg import sql

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

from ..conftest import postgres_admin_url
from ..netfakes import TcpProxy
from .workers import start_worker_with_beat, stop, wait_for, worker_env

SMALL = {"site": {"name": "Annex", "floors": 1},
         "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                       "chillers": {"count": 1}, "boilers": {"count": 1}}}


@pytest.fixture
def primary():
    name = f"hsim_arw_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    proxy = TcpProxy.for_url(postgres_admin_url())
    yield proxy, [{"key": "main", "url": proxy.url(postgres_admin_url(name)), "primary": True}]
    proxy.close()
    with psycopg.connect(postgres_admin_url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))


@pytest.fixture
def worker(tmp_path, primary):
    _, databases = primary
    env = worker_env(SECRET_KEY=secrets.token_urlsafe(48),
                     HSIM_VALUE_DATABASES=json.dumps(databases), HSIM_VALUE_DB_CONNECT_TIMEOUT="2",
                     HSIM_AUTO_RESUME_BACKOFF_SECONDS="1", HSIM_RECOVERY_PROBE_SECONDS="3")
    process, log_path = start_worker_with_beat(tmp_path, env, "--concurrency=1")
    yield process, log_path
    stop(process)


@pytest.mark.django_db(transaction=True)
def test_a_simulator_stopped_by_a_primary_outage_resumes_by_itself(
        clean_core, unique_key, primary, worker):
    proxy, databases = primary
    _, log_path = worker
    with override_settings(HSIM_VALUE_DATABASES=databases):
        simulator = create_simulator(create_org(unique_key("arw")), "Annex", SMALL, 1)
        lifecycle.start(simulator)
    sid = simulator.poller_id

    def state():
        return SimulatorState.objects.get(simulator_id=sid)

    def count(kind):
        return ActivityLog.objects.filter(simulator_id=sid, event_type=kind).count()

    wait_for(lambda: count("generation") >= 1, 90, "the first tick", log_path)
    proxy.cut()
    wait_for(lambda: state().status == "error", 120, "the primary failure", log_path)
    generated_before = count("generation") + count("gap_fill")
    assert "Primary" in state().error_message or "primary" in state().error_message

    proxy.thaw()
    wait_for(lambda: count("auto_resume") >= 1 and state().status == "running"
             and count("generation") + count("gap_fill") > generated_before,
             120, "the resume and a new generation", log_path)

    resume = ActivityLog.objects.get(simulator_id=sid, event_type="auto_resume")
    assert resume.details["attempt"] == 1
