"""Living loads on the meters: elevators that peak as people arrive, go to lunch and leave; a
cafeteria kitchen (electric and gas) that peaks while lunch is cooked, on working days only;
domestic water as seed-keyed bursts of use, restroom peaks and a night leak base. Each is
metered, adds up into the site meters, integrates into its totalizer, and is the same however
the window is cut."""

from datetime import timedelta

import numpy as np
import pytest

from simulator_app.engine import generate, parse_spec
from simulator_app.engine.clock import local_clock
from simulator_app.engine.layout import Layout
from simulator_app.engine.loads import living_loads
from simulator_app.engine.occupancy import occupancy

from .conftest import CLEAN, utc

NEW_POINTS = ("elevator-meter.power", "elevator-meter.energy", "kitchen-meter.power",
              "kitchen-meter.energy", "kitchen-gas-meter.flow", "kitchen-gas-meter.volume",
              "water-meter.flow", "water-meter.volume")


def day_rows(data, spec):
    """(rows [D, 96] of full working days, rows of full weekend and holiday days)."""
    clock = local_clock(data.ts, spec.site.time_zone, spec.schedule.holidays)
    days = {}
    for i, d in enumerate(clock.day):
        days.setdefault(int(d), []).append(i)
    full = [rows for _, rows in sorted(days.items()) if len(rows) == 96]
    work = [r for r in full if clock.weekday[r[0]] < 5 and not clock.holiday[r[0]]]
    off = [r for r in full if clock.weekday[r[0]] >= 5 or clock.holiday[r[0]]]
    return np.array(work), np.array(off)


def hours(a, b):
    return slice(int(a * 4), int(b * 4))


def test_elevators_peak_at_arrival_lunch_and_departure_and_idle_at_night(clean_year, clean_spec):
    work, _ = day_rows(clean_year, clean_spec)
    kw = clean_year("elevator-meter.power")[work]  # [days, 96 local quarter hours]
    mid_morning = kw[:, hours(9.5, 11)].mean()
    assert kw[:, hours(7, 9)].mean() > 1.5 * mid_morning  # the morning up-peak
    assert kw[:, hours(11.5, 13.5)].mean() > 1.3 * mid_morning  # down to lunch and back up
    assert kw[:, hours(17, 19)].mean() > 1.3 * mid_morning  # going home
    night = kw[:, hours(1, 5)]
    assert mid_morning > 1.5 * night.mean()
    assert night.min() > 0  # cars stand by with lights, fans and controllers on
    # Rides come in random numbers: two working days never draw the same morning.
    assert np.std(kw[:, hours(7, 9)].mean(axis=1)) > 0.02 * kw[:, hours(7, 9)].mean()


def test_a_few_elevator_trips_on_weekends_and_at_night(clean_year, clean_spec):
    work, off = day_rows(clean_year, clean_spec)
    kw = clean_year("elevator-meter.power")
    standby = kw.min()
    cars = round(clean_spec.site.area_ft2 / 40_000)
    assert standby == pytest.approx(cars * 1.0, abs=0.01)
    # Security and cleaning crews ride now and then: random trips above the standby draw.
    night = kw[work][:, hours(1, 5)]
    assert 0.05 < np.mean(night > standby) < 0.8
    # Weekends are quiet, except when someone comes in.
    assert kw[off].mean() < 1.3 * standby < kw[work].mean()
    assert kw[off].max() > standby + 1.0


def test_a_one_storey_building_has_no_elevator():
    spec = parse_spec({"site": {"floors": 1}, "equipment": {"ahu_count": 1}})
    assert "elevator-meter" not in Layout.of(spec).equip_types
    batch, _ = generate(spec, None, utc(2026, 3, 2), utc(2026, 3, 3))
    assert "elevator-meter.power" not in batch.points and "kitchen-meter.power" in batch.points


def test_the_kitchen_peaks_before_lunch_after_a_smaller_breakfast_on_working_days(
        clean_year, clean_spec):
    work, _ = day_rows(clean_year, clean_spec)
    kw = clean_year("kitchen-meter.power")[work]
    gas = clean_year("kitchen-gas-meter.flow")[work]
    for load in (kw, gas):
        peak_hour = load.argmax(axis=1) / 4.0
        assert np.mean((peak_hour >= 10) & (peak_hour < 12.5)) > 0.95  # lunch is 12:00-13:00
        breakfast = load[:, hours(7, 8.75)].max(axis=1)
        night = load[:, hours(1, 5)].max(axis=1)
        assert np.all(breakfast > night)
        assert np.median(breakfast / load.max(axis=1)) < 0.7
    # Each day has its own menu, timing and crowd.
    daily = kw.sum(axis=1)
    assert np.std(daily) / np.mean(daily) > 0.08


def test_the_kitchen_is_closed_on_weekends_and_holidays(clean_year, clean_spec):
    _, off = day_rows(clean_year, clean_spec)
    kw = clean_year("kitchen-meter.power")[off]
    refrigeration = clean_year("kitchen-meter.power").min()
    assert refrigeration > 0  # walk-in coolers run around the clock
    assert np.all(kw == refrigeration)
    assert np.all(clean_year("kitchen-gas-meter.flow")[off] == 0)
    assert len(off) > 104  # the holidays are among them


def workday_domestic_water(seed=7):
    """Domestic water (the engine's own function) and the building's share of people over
    January working hours, when the cooling tower (the other water user) is off."""
    spec = parse_spec({"seed": seed, "data_quality": CLEAN, "faults": []})
    ts = np.arange(int(utc(2026, 1, 5).timestamp()), int(utc(2026, 2, 2).timestamp()), 900)
    clock = local_clock(ts, spec.site.time_zone, spec.schedule.holidays)
    occ = occupancy(spec, Layout.of(spec), clock, ts)
    water = living_loads(spec, occ).water
    open_ = (clock.weekday < 5) & ~clock.holiday & (clock.minute >= 420) & (clock.minute < 1080)
    return water, occ.zone_people.mean(axis=1), open_, clock


def test_domestic_water_follows_people_but_is_no_smooth_function_of_them():
    water, people, open_, _ = workday_domestic_water()
    r = np.corrcoef(water[open_], people[open_])[0, 1]
    assert 0.3 < r < 0.95
    # Bursts of use: the flow jumps between intervals far more than the occupancy does.
    jumps = np.abs(np.diff(water[open_])) / water[open_].mean()
    steps = np.abs(np.diff(people[open_])) / people[open_].mean()
    assert np.median(jumps) > 3 * np.median(steps)
    assert water[open_].max() > 1.5 * np.percentile(water[open_], 90)  # a hose, a shower


def test_domestic_water_differs_day_to_day_and_keeps_a_small_night_leak():
    water, _, open_, clock = workday_domestic_water()
    workdays = np.unique(clock.day[open_])
    daily = np.array([water[open_ & (clock.day == d)].sum() for d in workdays])
    assert np.std(daily) / np.mean(daily) > 0.03
    night = (clock.minute >= 60) & (clock.minute < 300)
    assert water[night].min() > 0  # a dripping tap and a running cistern
    assert np.median(water[night]) < 0.15 * np.median(water[open_])


def test_domestic_water_is_keyed_by_the_seed():
    a, *_ = workday_domestic_water(seed=7)
    b, *_ = workday_domestic_water(seed=7)
    c, *_ = workday_domestic_water(seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_site_meters_still_add_up_with_the_new_loads(clean_year):
    subs = ("lighting-meter.power", "plug-meter.power", "elevator-meter.power",
            "kitchen-meter.power")
    plant = [k for k in clean_year.batch.points if k.endswith((".fan-power",))] + [
        "chiller-1.power", "chiller-2.power", "cooling-tower.power", "chw-pump.power",
        "cw-pump.power", "hw-pump.power"]
    total = sum(clean_year(k) for k in (*subs, *plant))
    assert np.abs(clean_year("elec-meter.power") - total).max() <= 0.005 * (len(subs) + 11)
    gas = clean_year("boiler-1.gas-flow") + clean_year("boiler-2.gas-flow") + clean_year(
        "kitchen-gas-meter.flow")
    assert np.abs(clean_year("gas-meter.flow") - gas).max() <= 0.2 + 1e-9
    assert clean_year("kitchen-gas-meter.flow").max() > 100  # it is really in there


@pytest.mark.parametrize("total, rate, per_second, resolution", [
    ("elevator-meter.energy", "elevator-meter.power", 1 / 3600, 0.01),
    ("kitchen-meter.energy", "kitchen-meter.power", 1 / 3600, 0.01),
    ("kitchen-gas-meter.volume", "kitchen-gas-meter.flow", 1 / 3600, 0.1),
    ("water-meter.volume", "water-meter.flow", 1 / 60, 0.1),
])
def test_the_new_totalizers_integrate_their_rates(clean_year, total, rate, per_second,
                                                  resolution):
    e, p = clean_year(total), clean_year(rate)
    assert np.all(np.diff(e) >= 0)
    expected = (p[:-1] + p[1:]) / 2 * 900 * per_second
    rounding = resolution / 2 * 900 * per_second + 0.001
    assert np.abs(np.diff(e) - expected).max() <= rounding * 1.0001


def test_the_new_loads_are_the_same_however_the_window_is_cut(spec):
    """Across midnight and the spring DST switch, generating in pieces (the state carried)
    equals one shot, bit for bit, and a second run repeats the first."""
    start, end = utc(2026, 3, 6, 21), utc(2026, 3, 9, 14)
    cuts = [start, utc(2026, 3, 7, 4, 45), utc(2026, 3, 8, 6, 15), utc(2026, 3, 8, 17), end]
    whole, _ = generate(spec, None, start, end)
    again, _ = generate(spec, None, start, end)
    state, parts = None, []
    for a, b in zip(cuts, cuts[1:]):
        batch, state = generate(spec, state, a, b)
        parts.append(batch.values)
    pieces = np.concatenate(parts)
    columns = [whole.points.index(k) for k in NEW_POINTS]
    assert np.array_equal(whole.values[:, columns], pieces[:, columns], equal_nan=True)
    assert np.array_equal(whole.values[:, columns], again.values[:, columns], equal_nan=True)
    assert len(whole.ts) == (end - start) // timedelta(minutes=15)
