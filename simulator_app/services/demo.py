"""The embedded default's demo set-up: an admin login, a demo org and its simulator."""

import os
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import SimulatorState
from ..models.state import RUNNING
from . import backfill, lifecycle, provisioning, retention
from .intervals import floor_to_interval, from_epoch, to_epoch
from .orgs import get_or_create_org
from .simulator_config import spec_of
from .simulators import find_or_create_simulator

DEMO_ORG_KEY = "demo"
DEMO_SIMULATOR_NAME = "Downtown Office Tower"
ADMIN_USERNAME = os.environ.get("HSIM_ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("HSIM_ADMIN_PASSWORD", "hsim-admin")


def ensure_admin_user(username=ADMIN_USERNAME, password=ADMIN_PASSWORD):
    """Create the admin login once; an existing user keeps the password it has."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username, email="", password=password)
    return user


def ensure_demo_org():
    org, _ = get_or_create_org(DEMO_ORG_KEY, "Demo Organization")
    return org


def ensure_demo_simulator(org, history_days=7, on_chunk=None):
    """The default building, with `history_days` of history the first time, and running."""
    simulator, _ = find_or_create_simulator(org, DEMO_SIMULATOR_NAME)
    # A newer engine may give the same spec more points than the entities provisioned by the
    # version that made it (`git pull`, then `./hsim run`): its first tick would stop in
    # error ("no entity for N point(s)"). Provisioning is idempotent: only the new ones.
    provisioning.provision(simulator, spec_of(simulator))
    state = lifecycle.state_of(simulator)
    if state.last_run_timestamp is None and history_days:
        step = spec_of(simulator).interval_minutes * 60
        now = timezone.now()
        end = from_epoch(floor_to_interval(to_epoch(now), step))
        start = end - timedelta(days=history_days)
        # No history the org's retention would delete (HSIM_RETENTION_DAYS under a week):
        # backfill refuses a start before it.
        earliest = retention.earliest_backfill_start(org, now, step)
        if earliest is not None:
            start = max(start, earliest)
        if start < end:
            job = backfill.create_job(simulator, start, end, now=now)
            backfill.run_job(job.id, on_chunk=on_chunk)
    if SimulatorState.objects.get(pk=state.pk).status != RUNNING:
        lifecycle.start(simulator)
    return simulator
