"""Living loads: stochastic, seed-keyed occupancy (arrival and departure spread, absences,
late workers, weekend visits), an IT and always-on night base, and plug and lighting loads
that vary from day to day, measured over the default building's year."""

import numpy as np

from simulator_app.engine.clock import local_clock


def clock_of(data, spec):
    return local_clock(data.ts, spec.site.time_zone, spec.schedule.holidays)


def workdays(clock):
    days = {}
    for i, d in enumerate(clock.day):
        days.setdefault(int(d), []).append(i)
    return days, [d for d, rows in sorted(days.items()) if len(rows) == 96
                  and clock.weekday[rows[0]] < 5 and not clock.holiday[rows[0]]]


def test_weekday_building_kw_correlates_090_to_096_day_to_day(clean_year, clean_spec):
    clock = clock_of(clean_year, clean_spec)
    kw = clean_year("elec-meter.power")
    days, work = workdays(clock)
    r = [np.corrcoef(kw[days[a]], kw[days[b]])[0, 1] for a, b in zip(work, work[1:])]
    assert 0.90 <= np.mean(r) <= 0.96
    assert min(r) < 0.85  # some days really are different


def test_the_night_base_is_25_to_50_percent_of_peak(clean_year, clean_spec):
    clock = clock_of(clean_year, clean_spec)
    kw = clean_year("elec-meter.power")
    night = (clock.minute >= 60) & (clock.minute < 300)
    nightly = [kw[night & (clock.day == d)].mean() for d in np.unique(clock.day[night])]
    assert 0.25 <= np.median(nightly) / kw.max() <= 0.50
    base = clean_spec.equipment.base_load_w_per_ft2 * clean_spec.site.area_ft2 / 1000
    assert clean_year("plug-meter.power").min() >= base  # IT never sleeps


def test_people_arrive_and_leave_at_different_times_and_some_stay_late(clean_year, clean_spec):
    clock = clock_of(clean_year, clean_spec)
    days, work = workdays(clock)
    arrivals, late = [], 0
    for key in clean_year.cols(".occupied"):
        occupied = clean_year(key) > 0
        for d in work:
            rows = np.array(days[d])
            on = rows[occupied[rows]]
            if len(on):
                arrivals.append(clock.minute[on[0]])
                late += clock.minute[on[-1]] >= 20 * 60  # schedule ends 18:00
    assert np.std(arrivals) > 20  # minutes: teams and days differ
    assert late > 100  # zone-days with someone past 20:00


def test_someone_comes_in_on_some_weekends(clean_year, clean_spec):
    clock = clock_of(clean_year, clean_spec)
    weekend = clock.weekday >= 5
    occupied = np.stack([clean_year(k) > 0 for k in clean_year.cols(".occupied")], axis=1)
    visited = {int(d) for d in np.unique(clock.day[weekend]) if occupied[clock.day == d].any()}
    assert 10 < len(visited) < 104  # occasionally, not every weekend day


def test_plug_and_lighting_loads_vary_from_one_workday_to_the_next(clean_year, clean_spec):
    clock = clock_of(clean_year, clean_spec)
    days, work = workdays(clock)
    noon = [days[d][48] for d in work]  # ~12:00 local
    for meter in ("plug-meter.power", "lighting-meter.power"):
        daily = clean_year(meter)[noon]
        assert np.std(daily) / np.mean(daily) > 0.05, meter
