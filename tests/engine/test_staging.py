"""Plant staging: chillers and boilers start for lasting demand, respect minimum run, rest
and anti-recycle times, stage on load (both chillers on the hottest afternoons), and rotate
the lead every Monday 00:00 on the site's local clock."""

import numpy as np
import pytest

from simulator_app.engine.clock import local_clock
from simulator_app.engine.staging import BOILER_TIMERS, CHILLER_TIMERS, lead_rotation


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


def test_both_chillers_run_on_the_hottest_afternoons_and_stage_down_after(clean_year):
    both = (clean_year("chiller-1.run") > 0) & (clean_year("chiller-2.run") > 0)
    assert 0 < both.sum() < 200
    tons = sum(clean_year(f"chiller-{i}.chw-flow") * (clean_year(f"chiller-{i}.chw-return-temp")
               - clean_year(f"chiller-{i}.chw-supply-temp")) / 24 for i in (1, 2))
    assert np.median(tons[both]) > 0.6 * 400  # the lag machine carries real load


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
