"""A backfill of history the org's retention would delete is refused up front (400, field
`start`, naming the retention) instead of being written and dropped by the next hourly run."""

import datetime as _dt

from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from simulator_app.models import BackfillJob
from simulator_app.services.retention import set_policy

from .conftest import assert_error

_TODAY = _dt.datetime.now(_dt.timezone.utc).date()


def day(n):
    return f"{_TODAY - _dt.timedelta(days=n)}T00:00:00Z"


def post(api, simulator, start, end):
    return api.post(f"/simulator/backfill/{simulator.poller_id}", {"start": start, "end": end},
                    format="json")


def test_a_backfill_older_than_the_orgs_retention_is_a_400_naming_it(api, org, simulator):
    set_policy(org, retention_days=7)
    body = assert_error(post(api, simulator, day(10), day(9)), 400, field="start",
                        text="7 days")
    assert "retention" in body["errors"]["start"][0]
    assert not BackfillJob.objects.exists()


def test_a_window_reaching_back_past_the_retention_is_refused_too(api, org, simulator):
    set_policy(org, retention_days=7)
    assert_error(post(api, simulator, day(8), day(1)), 400, field="start", text="retention")
    assert not BackfillJob.objects.exists()


def test_a_backfill_inside_the_retention_is_queued(api, org, simulator):
    set_policy(org, retention_days=7)
    response = post(api, simulator, day(6), day(5))
    assert response.status_code == 202, response.content


def test_the_default_retention_applies_without_an_org_policy(api, simulator, settings):
    settings.HSIM_RETENTION_DAYS = 30
    assert_error(post(api, simulator, day(31), day(29)), 400, field="start", text="30 days")
    settings.HSIM_RETENTION_DAYS = 0  # keep forever: nothing to refuse
    assert post(api, simulator, day(31), day(29)).status_code == 202


def test_the_backfill_command_refuses_it_with_exit_status_2(org, simulator):
    set_policy(org, retention_days=7)
    with pytest.raises(CommandError, match="retention") as raised:
        call_command("hsim_backfill", str(simulator.poller_id), "--start", day(10)[:-1],
                     "--end", day(9)[:-1], "--no-progress")
    assert raised.value.returncode == 2
    assert not BackfillJob.objects.exists()
