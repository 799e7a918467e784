"""Plant staging: chillers and boilers start for lasting demand (a light night cycle starts
no chiller), respect minimum run, rest and anti-recycle times, stage on load (the lag chiller
when the soft-loading lead is overloaded), and rotate the lead every Monday 00:00 on the
site's local clock; supply-water loops pull in after each start, overshoot a little and
settle, chunk-invariant."""

from datetime import datetime, timezone

import numpy as np
import pytest

from simulator_app.engine.boilers import HW_HUNT_F, HW_START_F
from simulator_app.engine.clock import local_clock
from simulator_app.engine.plant import CHW_HUNT_F, CHW_START_F
from simulator_app.engine.staging import (BOILER_TIMERS, CHILLER_TIMERS, STAGE_DOWN,
                                                 lead_rotation)


def runs(on):
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


@pytest.mark.parametrize("machines, timers", [
    (("chiller-1", "chiller-2"), CHILLER_TIMERS), (("boiler-1", "boiler-2"), BOILER_TIMERS)])
def test_machines_keep_their_minimum_times_and_start_rarely(clean_year, clean_spec, machines,
                                                            timers):
    step = clean_spec.interval_seconds
    clock = local_clock(clean_year.ts, clean_spec.site.time_zone, clean_spec.schedule.holidays)
    swap = np.concatenate([[False], np.diff(lead_rotation(clock.day)) != 0])
    for machine in machines:
        on = clean_year(f"{machine}.run") > 0
        begin, end = runs(on)
        inner = (begin > 0) & (end < len(on))  # runs the year does not cut
        # A run ends early only where the lead rotates (Monday 00:00 local) and hands over.
        lengths = (end - begin)[inner] * step
        rotated = swap[np.minimum(end[inner], len(on) - 1)]
        assert (lengths[~rotated] >= timers.min_on).all(), machine
        assert rotated.sum() <= 53
        rests = (begin[1:] - end[:-1]) * step
        assert (rests[~swap[begin[1:]]] >= timers.min_off).all(), machine
        gaps = np.diff(begin) * step
        assert (gaps[~swap[begin[1:]]] >= timers.anti_recycle).all(), machine
        single = np.mean((end - begin) == 1)
        assert single < 0.10, machine
        if machine.startswith("chiller"):
            assert 20 < len(begin) < 150, machine  # starts per year


def test_the_lag_chiller_starts_only_for_an_overloaded_lead_and_stages_down_after(clean_year):
    runs1, runs2 = (clean_year(f"chiller-{i}.run") > 0 for i in (1, 2))
    both = runs1 & runs2
    assert 0 < both.sum() < 200
    tons = sum(clean_year(f"chiller-{i}.chw-flow") * (clean_year(f"chiller-{i}.chw-return-temp")
               - clean_year(f"chiller-{i}.chw-supply-temp")) / 24 for i in (1, 2))
    begin, end = runs(both)
    # The interval before the lag starts, the lead (soft-loading after its own start) was
    # asked for more than STAGE_UP of what it could give: a real load, not a night cycle.
    assert (tons[begin - 1] > 0.55 * 400).all()
    # The pair runs at least the lag's minimum time, then one machine carries the load again.
    assert ((end - begin) * 900 >= CHILLER_TIMERS.min_on).all()
    assert (tons[np.minimum(end, len(tons) - 1)] < STAGE_DOWN * 400 * 1.1).all()


def test_a_light_night_cycle_does_not_start_a_chiller(clean_year, clean_spec):
    clock = local_clock(clean_year.ts, clean_spec.site.time_zone, clean_spec.schedule.holidays)
    hour = clock.minute / 60
    for machine in ("chiller-1", "chiller-2"):
        begin, _ = runs(clean_year(f"{machine}.run") > 0)
        night = (hour[begin] >= 20) | (hour[begin] < 4)  # before any optimal start
        assert night.sum() < 0.1 * len(begin), machine


def test_the_lead_rotates_on_local_monday_midnight_across_dst(clean_year, clean_spec):
    clock = local_clock(clean_year.ts, clean_spec.site.time_zone, clean_spec.schedule.holidays)
    week = lead_rotation(clock.day)
    for group in (("chiller-1", "chiller-2"), ("boiler-1", "boiler-2")):
        hours = np.stack([clean_year(f"{m}.run") > 0 for m in group], axis=1)
        alone = hours.sum(axis=1) == 1
        lead = np.argmax(hours, axis=1)
        # Whenever one machine runs alone, it is that week's lead: index week % 2.
        assert (lead[alone] == week[alone] % 2).all(), group
        assert set(np.unique(lead[alone])) == {0, 1}
    monday = (clock.weekday == 0) & (clock.minute == 0)
    changes = np.flatnonzero(np.diff(week)) + 1
    assert monday[changes].all()  # 00:00 local, EST and EDT alike


def supply_error(data, machine, plant, water):
    sp = data(f"{plant}.{water}-supply-temp-sp")
    return data(f"{machine}.{water}-supply-temp") - sp


@pytest.mark.parametrize("machine, plant, water, sign, away", [
    ("chiller-1", "chw-plant", "chw", 1, 2.0), ("boiler-1", "hw-plant", "hw", -1, 1.0)])
def test_supply_water_pulls_in_after_a_start_overshoots_a_little_and_settles(
        clean_year, machine, plant, water, sign, away):
    on = clean_year(f"{machine}.run") > 0
    err = sign * supply_error(clean_year, machine, plant, water)
    begin, end = runs(on)
    long = begin[(end - begin >= 8) & (begin > 0)]
    first, later = err[long], np.stack([err[long + i] for i in range(4, 8)])
    # Away from setpoint at the first reading (a rested loop), near it an hour later.
    assert np.median(first) > away and np.median(first) > 3 * np.median(np.abs(later))
    assert np.median(np.abs(later)) < 0.5
    # It overshoots past setpoint (a PI loop's ~10 %), bounded.
    near = np.stack([err[long + i] for i in range(1, 4)])
    assert (near.min(axis=0) < -0.05).mean() > 0.3
    start, hunt = ((CHW_START_F, CHW_HUNT_F) if water == "chw" else (HW_START_F, HW_HUNT_F))
    limit = 0.2 * start + hunt[1]
    assert near.min() > -limit


def test_some_chilled_water_loops_hunt_for_a_few_days(clean_year):
    on = (clean_year("chiller-1.run") > 0)
    err = supply_error(clean_year, "chiller-1", "chw-plant", "chw")
    days = clean_year.ts // 86400
    settled = on & np.concatenate([[False] * 8, on[:-8]])
    spread = np.array([err[settled & (days == d)].std() for d in np.unique(days[settled])])
    assert (spread > 0.25).any() and (spread < 0.05).mean() > 0.5


@pytest.mark.parametrize("plant, month", [("chiller", 7), ("boiler", 1)])
def test_chunks_split_across_a_plant_start_are_bit_identical(clean_spec, plant, month):
    import json

    from simulator_app.engine import generate
    from tests.engine.conftest import utc

    start, end = utc(2026, month, 14), utc(2026, month, 16)
    whole, _ = generate(clean_spec, None, start, end)
    on = whole.values[:, whole.points.index(f"{plant}-1.run")] + whole.values[
        :, whole.points.index(f"{plant}-2.run")]
    first = int(np.flatnonzero(np.diff(on > 0) & (on[1:] > 0))[0]) + 1  # a start
    for cut in (first, first + 1, first + 2):
        split = datetime.fromtimestamp(int(whole.ts[cut]), timezone.utc)
        a, state = generate(clean_spec, None, start, split)
        b, _ = generate(clean_spec, json.loads(json.dumps(state.to_dict())), split, end)
        assert np.array_equal(np.concatenate([a.values, b.values]), whole.values, equal_nan=True)
    # A state without the staging key starts the plant cold (still generates).
    cold = state.to_dict()
    cold.pop("staging")
    b, _ = generate(clean_spec, cold, split, end)
    assert np.isfinite(b.values).all()
