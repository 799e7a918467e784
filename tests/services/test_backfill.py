import datetime as _dt
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from simulator_app.models import BackfillJob, SimulatorState
from simulator_app.services import backfill, lifecycle
from simulator_app.services.errors import ServiceError
from simulator_app.services.simulator_config import spec_of
from simulator_app.services.tick import run_tick
from simulator_app.services.value_databases import multi_writer

from .conftest import T0, expected_rows, stored_rows

H = timedelta(hours=1)
DAY = timedelta(days=1)

# Days inside the history horizon (HSIM_HISTORY_HORIZON_DAYS counts back from today): fixed
# dates would fall out of it as time passes.
_TODAY = _dt.datetime.now(_dt.timezone.utc).date()
D1, D2, D3 = ((_TODAY - _dt.timedelta(days=n)).isoformat() for n in (3, 2, 1))


def test_backfill_of_a_fresh_simulator_equals_what_live_ticks_then_continue(simulator):
    job = backfill.create_job(simulator, T0 - DAY, T0, now=T0)
    result = backfill.run_job(job.id)
    assert result.status == "done" and result.done_intervals == result.total_intervals == 96
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0 + H)
    # One origin, one grid, one continuous state: exactly a single generation from the origin.
    assert stored_rows(simulator) == expected_rows(simulator, T0 - DAY, T0 + H + timedelta(minutes=15))


def test_a_backfill_is_chunked_and_resumes_where_it_stopped(simulator, settings):
    settings.HSIM_BACKFILL_CHUNK_INTERVALS = 8
    job = backfill.create_job(simulator, T0 - 6 * H, T0, now=T0)
    first = backfill.run_job(job.id, time_budget=0)  # one chunk, then "interrupted"
    assert (first.status, first.done_intervals) == ("running", 8)
    again = backfill.create_job(simulator, T0 - 6 * H, T0, now=T0)
    assert again.id == job.id  # the same job picks up from its cursor
    assert backfill.run_job(job.id).status == "done"
    assert stored_rows(simulator) == expected_rows(simulator, T0 - 6 * H, T0)


def test_a_backfill_inside_history_rewrites_exactly_the_live_rows(simulator):
    backfill.run_job(backfill.create_job(simulator, T0 - DAY, T0, now=T0).id)
    live = stored_rows(simulator)
    window = (T0 - 10 * H, T0 - 8 * H)
    # Damage the window, then backfill it: a replay from the origin restores it exactly.
    damaged = multi_writer()
    rows = damaged.primary.read_rows(simulator.org.key, start=window[0], end=window[1])
    rows.value_n = np.where(np.isnan(rows.value_n), np.nan, -999.0)
    damaged.write(simulator.org.key, rows)
    damaged.close()
    assert stored_rows(simulator) != live
    state_before = SimulatorState.objects.get(simulator_id=simulator.poller_id).engine_state
    result = backfill.run_job(backfill.create_job(simulator, *window, now=T0).id)
    assert result.status == "done" and result.rows == len(rows)
    assert stored_rows(simulator) == live
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).engine_state == state_before


def test_a_backfill_before_the_origin_is_refused(simulator):
    backfill.run_job(backfill.create_job(simulator, T0 - H, T0, now=T0).id)
    with pytest.raises(ServiceError) as info:
        backfill.create_job(simulator, T0 - DAY, T0 - H, now=T0)
    assert "start" in info.value.errors
    assert BackfillJob.objects.filter(simulator=simulator).count() == 1


def test_a_window_in_the_future_is_refused(simulator):
    with pytest.raises(ServiceError) as info:
        backfill.create_job(simulator, T0 + DAY, T0 + 2 * DAY, now=T0)
    assert "end" in info.value.errors


def test_the_backfill_command_fills_a_window_and_reports(simulator, capsys):
    call_command(
        "hsim_backfill", str(simulator.poller_id), "--start", f"{D1}T00:00Z",
        "--end", f"{D1}T06:00Z", "--no-progress",
    )
    assert "backfill done: 24 intervals" in capsys.readouterr().out
    assert len({ts for _, ts, *_ in stored_rows(simulator)}) == 24


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "yesterday", "--end", f"{D1}T06:00Z"],
        ["--start", f"{D1}T25:00Z", "--end", f"{D1}T06:00Z"],  # no such hour
        ["--start", f"{D1}T06:00Z", "--end", f"{D1}T00:00Z"],
    ],
)
def test_the_backfill_command_refuses_bad_input_with_exit_status_2(simulator, args):
    with pytest.raises(CommandError) as info:
        call_command("hsim_backfill", str(simulator.poller_id), *args, "--no-progress")
    assert info.value.returncode == 2
    assert not BackfillJob.objects.exists()


def test_a_whole_window_load_equals_chunked_generation(simulator, settings):
    settings.HSIM_BACKFILL_CHUNK_INTERVALS = 7  # several generation chunks, one transaction
    job = backfill.create_job(simulator, T0 - DAY, T0, now=T0)
    result = backfill.run_job(job.id, whole=True)
    assert result.status == "done" and result.done_intervals == 96
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).last_run_timestamp == T0 - timedelta(minutes=15)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)
    assert stored_rows(simulator) == expected_rows(simulator, T0 - DAY, T0 + timedelta(minutes=15))


def test_after_a_config_change_history_before_it_cannot_be_replayed_with_the_new_building(simulator):
    from simulator_app.services.simulators import update_config

    backfill.run_job(backfill.create_job(simulator, T0 - DAY, T0, now=T0).id)
    spec = spec_of(simulator).to_dict()
    spec["equipment"]["lighting_w_per_ft2"] = 1.2
    update_config(simulator, spec)
    with pytest.raises(ServiceError) as info:
        backfill.create_job(simulator, T0 - 2 * H, T0 - H, now=T0)
    assert "start" in info.value.errors
    # After the change, live and replayed rows agree again (replays start from the carried state).
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0 + 3 * H)
    live = stored_rows(simulator, start=T0)
    result = backfill.run_job(backfill.create_job(simulator, T0, T0 + 3 * H, now=T0 + 3 * H).id)
    assert result.status == "done" and stored_rows(simulator, start=T0) == live


def test_a_job_whose_window_fell_before_a_moved_origin_fails_instead_of_reporting_done(simulator):
    job = backfill.create_job(simulator, T0 - DAY, T0, now=T0)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)  # the first tick sets the origin at T0
    with pytest.raises(ServiceError):
        backfill.run_job(job.id)
    job.refresh_from_db()
    assert job.status == "failed" and "origin" in job.error_message
