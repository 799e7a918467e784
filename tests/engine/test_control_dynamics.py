"""Control dynamics: dampers lag their commands, airflow differs from what the command implies
by realistic amounts, fans keep minimum on/off times, optimal start, PI-like transients; all of
it carried in the state so windows split anywhere stay bit-identical."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator_app.engine import generate, parse_spec
from simulator_app.engine import physics, zones

from .conftest import run, utc

AHUS = [f"ahu-{i}" for i in range(1, 5)]
NEW_YORK = ZoneInfo("America/New_York")


def _runs(on):
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def test_vav_airflow_differs_from_its_command_implied_flow_by_two_to_eight_percent(
        clean_year, clean_spec):
    cfm = clean_spec.equipment.vav_max_cfm
    residual = []
    for key in clean_year.cols(".airflow"):
        vav = key.split(".")[0]
        flow, damper = clean_year(key), clean_year(f"{vav}.damper")
        on = damper > 0
        residual.append((flow[on] - damper[on] / 100.0 * cfm) / cfm)
    residual = np.concatenate(residual)
    assert 0.02 <= residual.std() <= 0.08
    assert np.abs(residual).max() < 0.5  # a box is off, never wildly so


def test_a_damper_lags_its_command_after_a_step(clean_year):
    lagged = 0
    for key in clean_year.cols(".damper-feedback"):
        vav = key.split(".")[0]
        fb, cmd = clean_year(key), clean_year(f"{vav}.damper")
        step = np.flatnonzero(np.abs(np.diff(cmd)) > 40) + 1
        assert len(step) > 10
        before, after, target = fb[step - 1], fb[step], cmd[step]
        # Part way from where it was toward the new command, not there yet.
        assert np.all(np.abs(after - target) < np.abs(before - target))
        assert np.all(np.abs(after - target) > 0.1)
        lagged += len(step)
        # Between steps it settles on its command.
        steady = np.flatnonzero((np.abs(np.diff(cmd)) == 0)[1:] & (np.abs(np.diff(cmd)) == 0)[:-1]) + 2
        assert np.median(np.abs(fb[steady] - cmd[steady])) < 0.5
    assert lagged > 100


def test_fans_keep_their_minimum_run_time_and_rarely_run_a_single_interval(clean_year):
    for ahu in AHUS:
        cmd, run_ = clean_year(f"{ahu}.fan-cmd") > 0, clean_year(f"{ahu}.fan-run") > 0
        begin, end = _runs(cmd)
        assert len(begin) > 100
        assert (end - begin).min() >= 3  # 45 minutes at 15-minute intervals
        begin_run, end_run = _runs(run_)
        assert ((end_run - begin_run) == 1).mean() < 0.10
        # Proven running only when commanded; the two differ only at a start (start delay).
        assert not (run_ & ~cmd).any()
        differ = np.flatnonzero(cmd != run_)
        assert 0 < len(differ) < 0.2 * len(begin)
        assert set(differ) <= set(begin)


def _first_start_before_occupancy(data, day):
    """Local minutes of the day's last fan start before 06:00 (occupied mode) on ahu-1."""
    local = [(utc(1970, 1, 1) + timedelta(seconds=int(t))).astimezone(NEW_YORK) for t in data.ts]
    on = data("ahu-1.fan-run") > 0
    starts = [i for i in range(1, len(on)) if on[i] and not on[i - 1]
              and local[i].date() == day and local[i].hour < 6]
    i = starts[-1]
    assert on[i:i + int(round((6 * 60 - (local[i].hour * 60 + local[i].minute)) / 15))].all()
    return local[i].hour * 60 + local[i].minute


def test_optimal_start_starts_earlier_on_a_colder_morning_and_at_most_three_hours_ahead(
        clean_spec):
    deep = parse_spec({**clean_spec.to_dict(), "setpoints": {"unoccupied_heating_f": 58}})
    mild, cold = (run(s, utc(2026, 1, 12), utc(2026, 1, 17)) for s in (clean_spec, deep))
    for day in (13, 14, 15):
        date = utc(2026, 1, day).date()
        early, late = _first_start_before_occupancy(cold, date), _first_start_before_occupancy(
            mild, date)
        assert early < late < 6 * 60  # ahead of occupied mode (06:00), earlier when colder
        assert early >= 3 * 60  # capped: three hours before occupied mode at 06:00


@pytest.mark.parametrize("split", [(1, 14, 10, 15), (1, 14, 10, 45), (7, 14, 9, 0)])
def test_windows_split_in_a_morning_start_match_one_shot(clean_spec, split):
    month, day, hour, minute = split  # 05:15 / 05:45 EST (optimal start), 05:00 EDT
    start, end = utc(2026, month, day - 2), utc(2026, month, day + 1)
    mid = utc(2026, month, day, hour, minute)
    one, state = generate(clean_spec, None, start, end)
    first, s1 = generate(clean_spec, None, start, mid)
    s1 = json.loads(json.dumps(s1.to_dict()))  # through JSON, as between ticks
    assert s1["controls"]["ahu-1"] and s1["controls"]["vav-01-north"]
    second, s2 = generate(clean_spec, s1, mid, end)
    assert np.array_equal(np.concatenate([first.values, second.values]), one.values,
                          equal_nan=True)
    assert s2.to_dict() == state.to_dict()
    again, _ = generate(clean_spec, None, start, end)
    assert np.array_equal(again.values, one.values, equal_nan=True)


def test_a_state_without_control_dynamics_starts_them_cold(clean_spec):
    start, mid, end = utc(2026, 1, 12), utc(2026, 1, 13, 10), utc(2026, 1, 14)
    _, state = generate(clean_spec, None, start, mid)
    old = state.to_dict()
    old.pop("controls")
    batch, new = generate(clean_spec, old, mid, end)
    assert np.isfinite(batch.values).all()
    assert set(new.controls) >= {"ahu-1", "vav-01-north"}


def test_the_delivered_flow_is_what_heats_and_cools_each_zone(clean_spec, monkeypatch):
    captured = []
    real = zones.simulate

    def spy(x, temp0, cs):
        result = real(x, temp0, cs)
        captured.append((x, np.array(temp0), result))
        return result

    monkeypatch.setattr(physics, "simulate", spy)
    for month in (1, 7):
        generate(clean_spec, None, utc(2026, month, 12), utc(2026, month, 16))
    for x, temp0, r in captured:
        temps = np.vstack([r.temp, r.end_temp[None, :]])
        floor_mean = temps[:-1].reshape(len(temps) - 1, -1, x.per_floor).sum(axis=2)
        floor = np.repeat(floor_mean, x.per_floor, axis=1)
        free = temps[:-1] * x.a + x.free1a + x.couple / x.per_floor * floor
        per_cfm = zones.AIR * x.g * (r.sat[:, x.zone_ahu] - temps[:-1])
        expected = free + r.flow * per_cfm + r.reheat * x.g
        assert np.abs(expected - temps[1:]).max() < 1e-9
        # The flow that did it is the box's delivered flow, not its command.
        assert not np.allclose(r.flow, r.damper * x.cfm_max)
        on = r.ahu_on[:, x.zone_ahu]
        assert np.all(r.flow[~on] == 0) and np.all(r.reheat[~on] == 0)


def test_air_handler_airflow_is_the_sum_of_its_boxes(clean_year):
    from simulator_app.engine.layout import Layout

    layout = Layout.of(parse_spec({}))
    for a, ahu in enumerate(layout.ahus):
        boxes = [z.key for z in layout.zones if z.ahu == a]
        total = sum(clean_year(f"{b}.airflow") for b in boxes)
        # Readings are rounded to 0.1 cfm.
        assert np.allclose(clean_year(f"{ahu}.discharge-air-flow"), total, atol=0.05 * len(boxes))


def test_some_zone_loops_hunt_for_a_few_days(clean_year, clean_spec):
    from simulator_app.engine.clock import local_clock

    clock = local_clock(clean_year.ts, clean_spec.site.time_zone, clean_spec.schedule.holidays)
    work = (clock.weekday < 5) & (clock.minute >= 10 * 60) & (clock.minute < 16 * 60)
    temps = np.stack([clean_year(k) for k in clean_year.cols(".zone-temp")], axis=1)
    wiggle = np.zeros_like(temps)
    wiggle[1:-1] = np.abs(temps[2:] - 2 * temps[1:-1] + temps[:-2])  # oscillation, not drift
    block = clean_year.ts // (3 * 86400)
    per_block = np.array([wiggle[(block == b) & work].mean(axis=0) for b in np.unique(block)
                          if ((block == b) & work).sum() >= 20])  # [blocks, zones]
    typical = np.median(per_block)
    hunting = per_block > 4 * typical
    assert 0.03 < hunting.mean() < 0.3  # some loops, some periods
    assert hunting.any(axis=0).mean() > 0.5  # most loops hunt at some time of the year
    assert per_block.max() < 1.5  # °F: a hunting loop stays physically sensible
