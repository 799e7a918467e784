"""One rule for the times a user gives, on the API and the command line: ISO-8601, no offset
means UTC, a date alone means midnight UTC (simulator_app.services.times)."""

import io
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command
from rest_framework import serializers

from simulator_app.models import BackfillJob
from simulator_app.services.times import parse_time

from .conftest import assert_error

UTC = timezone.utc


@pytest.mark.parametrize(
    "text, instant",
    [
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T01:00+01:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T05:30:00.5Z", datetime(2026, 1, 1, 5, 30, 0, 500000, tzinfo=UTC)),
        ("yesterday", None),
        ("2026-13-01", None),
        ("", None),
    ],
)
def test_the_api_fields_and_the_command_line_read_a_time_the_same_way(text, instant):
    drf = serializers.DateTimeField(default_timezone=UTC)
    try:
        api = drf.to_internal_value(text)
    except serializers.ValidationError:
        api = None
    try:
        cli = parse_time(text)
    except ValueError as exc:
        assert "2026-01-01 for midnight UTC" in str(exc)  # the refusal states the rule
        cli = None
    assert api == cli == instant


def days_ago(n):
    return f"{datetime.now(UTC).date() - timedelta(days=n):%Y-%m-%d}"


def test_a_date_alone_backfills_from_midnight_utc_on_the_api_and_the_command_line(api, simulator):
    response = api.post(f"/simulator/backfill/{simulator.poller_id}",
                        {"start": days_ago(6), "end": days_ago(5)}, format="json")
    assert response.status_code == 202, response.content
    out = io.StringIO()
    call_command("hsim_backfill", str(simulator.poller_id), "--start", days_ago(4),
                 "--end", days_ago(3), "--no-progress", stdout=out, stderr=io.StringIO())

    assert "backfill done: 96 intervals" in out.getvalue()
    windows = sorted((job.start, job.end) for job in BackfillJob.objects.all())
    midnight = [parse_time(days_ago(n)) for n in (6, 5, 4, 3)]
    assert windows == [(midnight[0], midnight[1]), (midnight[2], midnight[3])]


@pytest.mark.parametrize("command", ["hsim_backfill", "hsim_generate"])
def test_a_time_that_is_not_iso_8601_is_refused_with_the_rule(db, simulator, command):
    args = [str(simulator.poller_id)] if command == "hsim_backfill" else []
    with pytest.raises(CommandError) as info:
        call_command(command, *args, "--start", "next tuesday", "--end", days_ago(1),
                     stdout=io.StringIO())
    assert info.value.returncode == 2
    assert "--start: not an ISO-8601 date/time" in str(info.value)
    assert not BackfillJob.objects.exists()


def test_the_api_refuses_a_time_that_is_not_iso_8601_with_the_rule(api, simulator):
    response = api.post(f"/simulator/backfill/{simulator.poller_id}",
                        {"start": "next tuesday", "end": days_ago(1)}, format="json")
    assert_error(response, 400, field="start", text="2026-01-01 for midnight UTC")
