"""`./hsim run`'s first-time demo set-up with a retention under its week of history: it
backfills what the retention keeps instead of stopping on the backfill's retention check."""

from datetime import datetime, timedelta, timezone

import pytest

from simulator_app.models import BackfillJob, SimulatorState
from simulator_app.models.state import RUNNING
from simulator_app.services.demo import ensure_demo_org, ensure_demo_simulator


@pytest.mark.parametrize("retention_days", [3, 7])
def test_the_demo_backfills_what_the_retention_keeps(clean_core, settings, retention_days):
    settings.HSIM_RETENTION_DAYS = retention_days
    org = ensure_demo_org()
    simulator = ensure_demo_simulator(org)  # a week of history asked for

    job = BackfillJob.objects.get(simulator=simulator)
    assert job.status == BackfillJob.DONE and job.rows_written > 0
    assert job.end - job.start == timedelta(days=retention_days)  # all the retention allows
    assert datetime.now(timezone.utc) - job.end < timedelta(minutes=15)  # up to now
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).status == RUNNING
