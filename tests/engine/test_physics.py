"""Plausibility: what someone who knows buildings would check first."""

from datetime import datetime

import numpy as np
import pytest

from .conftest import run, utc

AHUS = [f"ahu-{i}" for i in range(1, 5)]


@pytest.fixture(scope="module")
def cal(clean_year):
    hour, weekday, month = clean_year.local()
    return {"hour": hour, "weekday": weekday, "month": month,
            "workday": (weekday < 5) & (hour >= 10) & (hour < 16)}


def monthly_mean(data, cal, key):
    return np.array([data(key)[cal["month"] == m].mean() for m in range(1, 13)])


def test_outdoor_air_follows_the_seasons_of_new_york(clean_year, cal):
    oat = monthly_mean(clean_year, cal, "weather.air-temp")
    assert 28 < oat[0] < 40 and 72 < oat[6] < 82
    assert oat[0] < oat[3] < oat[6] > oat[9] > oat[11]
    assert clean_year("weather.air-temp").min() > -5 and clean_year("weather.air-temp").max() < 105


def test_weather_has_no_jumps_at_month_or_season_edges(clean_year):
    assert np.abs(np.diff(clean_year("weather.air-temp"))).max() < 3.0
    assert np.abs(np.diff(clean_year("weather.air-dew-point"))).max() < 3.0


def test_weather_is_warmest_in_the_afternoon(clean_year, cal):
    oat = clean_year("weather.air-temp")
    by_hour = [oat[cal["hour"] == h].mean() for h in range(24)]
    assert 13 <= int(np.argmax(by_hour)) <= 17
    assert 2 <= int(np.argmin(by_hour)) <= 7


def test_humidity_dew_point_and_wet_bulb_agree(clean_year):
    oat, dew = clean_year("weather.air-temp"), clean_year("weather.air-dew-point")
    wet, rh = clean_year("weather.air-wet-bulb"), clean_year("weather.air-humidity")
    assert np.all(dew <= wet + 0.01) and np.all(wet <= oat + 0.01)
    assert rh.min() > 5 and rh.max() <= 100


def test_chillers_rest_in_winter_and_carry_the_summer(clean_year, cal):
    running = (clean_year("chiller-1.run") + clean_year("chiller-2.run")) > 0
    winter = np.isin(cal["month"], [1, 2, 12])
    assert not running[winter].any()
    summer_days = np.isin(cal["month"], [7, 8]) & cal["workday"]
    assert running[summer_days].mean() > 0.95


def test_boilers_heat_every_winter_day_and_are_locked_out_in_summer(clean_year, cal):
    gas = clean_year("boiler-1.gas-flow") + clean_year("boiler-2.gas-flow")
    days = clean_year.ts // 86400
    winter = np.isin(cal["month"], [1, 2])
    daily = np.bincount(days[winter] - days[winter][0], weights=gas[winter])
    workday = np.bincount(days[winter] - days[winter][0], weights=cal["weekday"][winter] < 5) > 0
    # A mild weekend day may need no heat at all: the IT load keeps the building warm.
    assert np.mean(daily[workday] > 0) > 0.9 and np.mean(daily > 0) > 0.7
    assert gas[cal["month"] == 7].max() == 0
    assert gas.min() >= 0


def test_gas_meter_is_the_sum_of_the_boilers_and_the_kitchen(clean_year):
    loads = clean_year("boiler-1.gas-flow") + clean_year("boiler-2.gas-flow") + clean_year(
        "kitchen-gas-meter.flow")
    assert np.abs(clean_year("gas-meter.flow") - loads).max() <= 0.05 * 4 + 1e-9


def test_main_electric_meter_is_the_sum_of_its_loads(clean_year):
    loads = [*(f"chiller-{i}.power" for i in (1, 2)), *(f"{a}.fan-power" for a in AHUS),
             "cooling-tower.power", "chw-pump.power", "cw-pump.power", "hw-pump.power",
             "lighting-meter.power", "plug-meter.power", "elevator-meter.power",
             "kitchen-meter.power"]
    total = sum(clean_year(k) for k in loads)
    assert np.abs(clean_year("elec-meter.power") - total).max() <= 0.005 * (len(loads) + 1)


def test_water_meter_sees_people_and_the_cooling_tower(clean_year, cal):
    water = clean_year("water-meter.flow")
    weekday = water[cal["workday"]].mean()
    assert weekday > 3 * water[(cal["weekday"] >= 5) & (cal["hour"] == 3)].mean()
    summer = water[cal["workday"] & np.isin(cal["month"], [7])].mean()
    winter = water[cal["workday"] & np.isin(cal["month"], [1])].mean()
    assert summer > winter + 3  # tower makeup


def test_weekdays_use_far_more_power_than_weekends(clean_year, cal):
    kw = clean_year("elec-meter.power")
    midday = (cal["hour"] >= 10) & (cal["hour"] < 16)
    # IT and always-on loads (a night base of 25-50 % of peak) run on weekends too.
    assert kw[midday & (cal["weekday"] < 5)].mean() > 1.5 * kw[midday & (cal["weekday"] >= 5)].mean()


def test_occupancy_follows_local_time_across_dst(clean_year):
    occupied = np.mean([clean_year(k) for k in clean_year.cols(".occupied")], axis=0)
    ts = clean_year.ts

    def at(day, hour_utc):
        return occupied[ts == int(utc(2026, 3, day, hour_utc).timestamp())][0]

    # 10:00 New York is 15:00 UTC before the switch (EST) and 14:00 UTC after it (EDT).
    assert at(5, 15) > 0.9 and at(12, 14) > 0.9
    # 06:00 New York: nobody in yet, on either side of the switch.
    assert at(5, 11) < 0.1 and at(12, 10) < 0.1


def test_holidays_and_weekends_are_unoccupied(clean_year):
    def at(key, y, m, d, h):
        return clean_year(key)[clean_year.ts == int(utc(y, m, d, h).timestamp())][0]

    def occupied_mode(*when):  # the zone setpoints tell which mode the AHU is in
        return at("vav-01-north.zone-cooling-sp", *when) == 72

    def people(*when):
        return np.mean([at(k, *when) for k in clean_year.cols(".occupied")])

    assert occupied_mode(2026, 7, 2, 15) and people(2026, 7, 2, 15) > 0.9  # Thu 11:00 EDT
    for when in [(2026, 7, 3, 15),     # Independence Day observed (Friday)
                 (2026, 11, 26, 16),   # Thanksgiving
                 (2026, 11, 28, 16)]:  # Saturday
        assert not occupied_mode(*when) and people(*when) < 0.2


def test_zones_are_comfortable_when_occupied(clean_year, cal):
    temps = np.stack([clean_year(k) for k in clean_year.cols(".zone-temp")], axis=1)
    hours = cal["workday"]
    inside = (temps[hours] >= 69) & (temps[hours] <= 75)
    assert inside.mean() > 0.97


def test_zones_have_thermal_mass(clean_year):
    temps = np.stack([clean_year(k) for k in clean_year.cols(".zone-temp")], axis=1)
    assert np.abs(np.diff(temps, axis=0)).max() < 6.0
    # Left alone overnight in January, a zone cools gradually toward its setback.
    night = (clean_year.ts >= utc(2026, 1, 14, 0).timestamp()) & (
        clean_year.ts < utc(2026, 1, 14, 9).timestamp())
    drop = np.diff(temps[night], axis=0)
    assert (drop < 0).mean() > 0.6 and drop.min() > -1.5


def test_night_setback_runs_air_handlers_in_short_bursts(clean_year, cal):
    night = (cal["hour"] >= 1) & (cal["hour"] < 5)
    for ahu in AHUS:
        assert clean_year(f"{ahu}.fan-run")[night].mean() < 0.25


def test_equipment_that_is_off_reads_off(clean_year):
    for ahu in AHUS:
        off = clean_year(f"{ahu}.fan-run") == 0
        assert off.any()
        for name in ("fan-speed", "fan-power", "discharge-air-flow", "duct-static-pressure",
                     "cooling-valve", "heating-valve", "outside-damper"):
            assert np.all(clean_year(f"{ahu}.{name}")[off] == 0), (ahu, name)
        # Running only when commanded; a start can take a moment to prove (start delay).
        cmd, run_ = clean_year(f"{ahu}.fan-cmd") > 0, clean_year(f"{ahu}.fan-run") > 0
        assert not (run_ & ~cmd).any()
        assert (cmd != run_).mean() < 0.01
    vav_off = clean_year("ahu-1.fan-run") == 0
    for vav in ("vav-01-north", "vav-02-west"):
        assert np.all(clean_year(f"{vav}.airflow")[vav_off] == 0)
        assert np.all(clean_year(f"{vav}.damper")[vav_off] == 0)
    for chiller in ("chiller-1", "chiller-2"):
        off = clean_year(f"{chiller}.run") == 0
        assert np.all(clean_year(f"{chiller}.power")[off] == 0)
        assert np.all(clean_year(f"{chiller}.chw-flow")[off] == 0)
    for boiler in ("boiler-1", "boiler-2"):
        off = clean_year(f"{boiler}.run") == 0
        assert np.all(clean_year(f"{boiler}.gas-flow")[off] == 0)


def test_a_stopped_chiller_drifts_to_room_temperature_instead_of_freezing_its_reading(clean_year):
    chws = clean_year("chiller-1.chw-supply-temp")
    off = clean_year("chiller-1.run") == 0
    stays_off = off[1:] & off[:-1]
    assert np.abs(np.diff(chws))[stays_off].max() < 3
    assert 60 < np.median(chws[off]) < 70
    assert len(np.unique(chws[off])) > 100


def test_chilled_water_balances(clean_year):
    for chiller in ("chiller-1", "chiller-2"):
        run = clean_year(f"{chiller}.run") == 1
        supply = clean_year(f"{chiller}.chw-supply-temp")
        ret = clean_year(f"{chiller}.chw-return-temp")
        cw_in = clean_year(f"{chiller}.cw-entering-temp")
        cw_out = clean_year(f"{chiller}.cw-leaving-temp")
        assert np.all(ret[run] > supply[run]) and np.all(cw_out[run] > cw_in[run])
        assert np.all((supply[run] >= 40) & (supply[run] <= 52))
        tons = clean_year(f"{chiller}.chw-flow") * (ret - supply) / 24
        kw = clean_year(f"{chiller}.power")
        loaded = run & (tons > 80)
        cop = tons[loaded] * 3.517 / kw[loaded]
        assert 3.5 < np.median(cop) < 9 and cop.min() > 2.5
        assert tons[run].max() < 440


def test_hot_water_balances(clean_year):
    for boiler in ("boiler-1", "boiler-2"):
        run = clean_year(f"{boiler}.run") == 1
        supply, ret = clean_year(f"{boiler}.hw-supply-temp"), clean_year(f"{boiler}.hw-return-temp")
        assert np.all(supply[run] > ret[run])
        assert np.all(clean_year(f"{boiler}.gas-flow")[run] > 0)
        assert np.all((supply[run] >= 130) & (supply[run] <= 185))


def test_air_handler_temperatures_are_consistent(clean_year):
    oat = clean_year("weather.air-temp")
    for ahu in AHUS:
        on = clean_year(f"{ahu}.fan-run") == 1
        mat, rat = clean_year(f"{ahu}.mixed-air-temp"), clean_year(f"{ahu}.return-air-temp")
        sat = clean_year(f"{ahu}.discharge-air-temp")
        low, high = np.minimum(oat, rat) - 0.5, np.maximum(oat, rat) + 0.5
        assert np.all((mat[on] >= low[on]) & (mat[on] <= high[on]))
        cooling = clean_year(f"{ahu}.cooling-valve") > 1
        heating = clean_year(f"{ahu}.heating-valve") > 1
        assert not (cooling & heating).any()
        assert np.all(sat[cooling] < mat[cooling] + 3)
        assert np.all(sat[heating] > mat[heating])
        # Never heat while economizing: the damper sits at its ventilation minimum.
        assert clean_year(f"{ahu}.outside-damper")[heating].max() < 35


def test_economizer_opens_only_in_mild_weather(clean_year):
    oat = clean_year("weather.air-temp")
    for ahu in AHUS:
        open_ = clean_year(f"{ahu}.outside-damper") > 50  # well above ventilation minimum
        assert open_.any() and np.all(oat[open_] < 65.5)


def test_duct_static_pressure_holds_its_setpoint_when_running(clean_year):
    for ahu in AHUS:
        on = clean_year(f"{ahu}.fan-run") == 1
        static = clean_year(f"{ahu}.duct-static-pressure")[on]
        assert np.all(np.abs(static - 1.5) < 0.2)


def test_a_small_building_generates_too(clean_spec):
    from simulator_app.engine import parse_spec

    spec = parse_spec({**clean_spec.to_dict(), "site": {"floors": 2, "area_ft2": 20000},
                       "equipment": {"ahu_count": 1, "zone_orientations": ["south", "core"],
                                     "vav_max_cfm": 1200, "chillers": {"count": 1,
                                     "capacity_tons": 60}, "boilers": {"count": 1,
                                     "capacity_kbtuh": 500}}})
    data = run(spec, utc(2026, 7, 13), utc(2026, 7, 20))
    assert data("chiller-1.run").any()
    assert np.isfinite(data.batch.values).all()


@pytest.mark.parametrize("interval", [5, 60])
def test_other_intervals_keep_zones_on_setpoint(clean_spec, interval):
    from simulator_app.engine import parse_spec

    spec = parse_spec({**clean_spec.to_dict(), "interval_minutes": interval})
    data = run(spec, utc(2026, 7, 13), utc(2026, 7, 16))
    hour, weekday, _ = data.local()
    day = (weekday < 5) & (hour >= 10) & (hour < 16)
    temps = np.stack([data(k) for k in data.cols(".zone-temp")], axis=1)[day]
    assert np.all(np.diff(data.ts) == interval * 60)
    assert 71.5 < temps.mean() < 73.5 and temps.max() < 76


def test_schedules_follow_the_site_time_zone(clean_spec):
    from zoneinfo import ZoneInfo

    from simulator_app.engine import parse_spec

    spec = parse_spec({**clean_spec.to_dict(), "site": {
        "time_zone": "Australia/Sydney", "latitude": -33.9, "longitude": 151.2}})
    data = run(spec, utc(2026, 7, 13), utc(2026, 7, 18))
    sydney = ZoneInfo("Australia/Sydney")
    local = [datetime.fromtimestamp(int(t), sydney) for t in data.ts]
    occupied = data("vav-01-north.zone-cooling-sp") == 72
    at = {(d.weekday(), d.hour, d.minute): o for d, o in zip(local, occupied)}
    assert at[(1, 10, 0)] and at[(2, 14, 0)]
    assert not at[(1, 3, 0)] and not at[(2, 22, 0)]
