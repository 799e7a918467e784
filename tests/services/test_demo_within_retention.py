"""`./hsim run`'s first-time demo set-up with a retention under its week of history: it
backfills what the retention keeps instead of stopping on the backfill's retention check."""

from datetime import datetime, timedelta, timezone

import pytest

from simulator_app.models import BackfillJob, SimulatorState
from simulator_app.models.state import RUNNING
from simulator_app.services.demo import ensure_demo_org, ensure_demo_simulator
from simulator_app.services.intervals import floor_to_interval, from_epoch, to_epoch


@pytest.mark.parametrize("retention_days", [3, 7])
def test_the_demo_backfills_what_the_retention_keeps(clean_core, settings, retention_days):
    settings.HSIM_RETENTION_DAYS = retention_days
    org = ensure_demo_org()
    before = datetime.now(timezone.utc)
    simulator = ensure_demo_simulator(org)  # a week of history asked for
    after = datetime.now(timezone.utc)

    job = BackfillJob.objects.get(simulator=simulator)
    assert job.status == BackfillJob.DONE and job.rows_written > 0
    assert job.end - job.start == timedelta(days=retention_days)  # all the retention allows
    step = 15 * 60  # the demo building's interval
    boundary = lambda t: from_epoch(floor_to_interval(to_epoch(t), step))  # noqa: E731
    assert boundary(before) <= job.end <= boundary(after)  # up to now
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).status == RUNNING
