"""Indoor air: zone CO₂ from people and outdoor air, zone humidity, the enthalpy of outside,
return and mixed air, the enthalpy high limit and demand-controlled ventilation."""

import numpy as np
import pytest

from simulator_app.engine import catalogue, generate, parse_spec
from simulator_app.engine.indoor_air import enthalpy, humidity_ratio

from .conftest import CLEAN, Data, utc

AHUS = [f"ahu-{i}" for i in range(1, 5)]


def zones(data, suffix):
    return np.stack([data(k) for k in data.cols(suffix)], axis=1)


def test_new_points_carry_standard_haystack_tags(spec):
    points = {p.key: p for p in catalogue(spec).points}
    co2, rh = points["vav-03-east.zone-co2"], points["vav-03-east.zone-humidity"]
    assert {"zone", "air", "co2", "concentration", "sensor"} <= set(co2.tags)
    assert co2.unit == "ppm" and rh.unit == "%RH"
    assert {"zone", "air", "humidity", "sensor"} <= set(rh.tags)
    for name in ("outside", "return", "mixed"):
        point = points[f"ahu-2.{name}-air-enthalpy"]
        assert {name, "air", "enthalpy", "sensor"} <= set(point.tags)
        assert point.unit == "BTU/lb"


def test_zone_co2_stays_between_400_and_1200_ppm_while_occupied_and_rises_with_people(
        clean_year):
    co2 = zones(clean_year, ".zone-co2")
    occupied = zones(clean_year, ".occupied") > 0
    assert co2.min() >= 400
    assert 400 <= co2[occupied].min() and co2[occupied].max() <= 1200
    assert np.percentile(co2[occupied], 90) > 700  # people do raise it
    # Occupancy drives it: the building's mean CO₂ follows the lighting (people) share.
    lighting = clean_year("lighting-meter.power")
    assert np.corrcoef(co2.mean(axis=1), lighting)[0, 1] > 0.7
    busy = clean_year("elec-meter.power") > 0  # every row; bins by the lighting share
    share = lighting / lighting.max()
    by_people = [co2.mean(axis=1)[busy & (share > lo) & (share <= hi)].mean()
                 for lo, hi in ((0.0, 0.3), (0.3, 0.7), (0.7, 1.0))]
    assert by_people[0] < by_people[1] < by_people[2]


def test_zone_humidity_is_dry_in_winter_and_held_down_by_the_coils_in_summer(clean_year):
    rh = zones(clean_year, ".zone-humidity")
    occupied = zones(clean_year, ".occupied") > 0
    _, _, month = clean_year.local()
    winter, summer = np.isin(month, [1, 2]), np.isin(month, [7, 8])
    assert np.median(rh[winter[:, None] & occupied]) < 35
    assert 40 < np.median(rh[summer[:, None] & occupied]) < 62
    outdoor_dew = clean_year("weather.air-dew-point")[summer]
    assert np.median(outdoor_dew) > 60  # the coils, not the weather, keep it there


def test_enthalpies_agree_with_temperatures_and_the_mixing_balance(clean_year):
    for ahu in AHUS:
        on = clean_year(f"{ahu}.fan-run") > 0
        h_out = clean_year(f"{ahu}.outside-air-enthalpy")
        oat = clean_year(f"{ahu}.outside-air-temp")
        expected = enthalpy(oat, humidity_ratio(clean_year("weather.air-dew-point")))
        assert np.abs(h_out - expected).max() < 0.02
        h_ret, h_mix = clean_year(f"{ahu}.return-air-enthalpy"), clean_year(
            f"{ahu}.mixed-air-enthalpy")
        oa = clean_year(f"{ahu}.outside-damper") / 100.0
        mixing = on & (oa > 0)
        # Mass balance of the mixing box: mixed = oa × outside + (1 - oa) × return.
        balance = h_mix - (oa * h_out + (1 - oa) * h_ret)
        assert np.abs(balance[mixing]).max() < 0.05
        # A warmer mixed stream holds more heat: enthalpy rises with dry bulb at fixed air.
        assert np.all((h_ret[on] > 15) & (h_ret[on] < 40))


@pytest.fixture(scope="module")
def summers():
    out = {}
    for control in ("dry_bulb", "enthalpy"):
        spec = parse_spec({"data_quality": CLEAN, "faults": [],
                           "equipment": {"economizer_control": control}})
        batch, _ = generate(spec, None, utc(2026, 4, 15), utc(2026, 10, 15))
        out[control] = Data(batch)
    return out


def test_the_enthalpy_high_limit_economizes_on_dry_air_and_not_on_humid_air(summers):
    dry, enth = summers["dry_bulb"], summers["enthalpy"]
    humid_shut = dry_open = 0
    for ahu in AHUS:
        occupied = enth(f"{ahu}.fan-run") > 0
        h_out, h_ret = enth(f"{ahu}.outside-air-enthalpy"), enth(f"{ahu}.return-air-enthalpy")
        minimum = enth(f"{ahu}.outside-damper") <= dry(f"{ahu}.outside-damper") + 1e-9
        econ_e = occupied & (enth(f"{ahu}.outside-damper") > 60)
        econ_d = occupied & (dry(f"{ahu}.outside-damper") > 60)
        # Enthalpy mode opens only for outside air lower in enthalpy than the limit.
        assert (h_out[econ_e] < 28.0 + 0.05).all()
        humid_shut += (econ_d & ~econ_e & (h_out > np.minimum(28.0, h_ret))).sum()
        dry_open += (econ_e & (enth(f"{ahu}.outside-air-temp") > 65.0)).sum()
        assert minimum.any()
    assert humid_shut >= 8  # cool but humid air: dry bulb opens, enthalpy does not
    assert dry_open > 0  # warm but dry air: enthalpy opens past the dry-bulb limit


def test_demand_controlled_ventilation_brings_in_outdoor_air_for_the_people_present(
        clean_spec):
    base = parse_spec({**clean_spec.to_dict()})
    dcv = parse_spec({**clean_spec.to_dict(), "equipment": {
        **clean_spec.to_dict()["equipment"], "demand_controlled_ventilation": True}})
    start, end = utc(2026, 1, 12), utc(2026, 1, 17)  # a winter week: no economizing
    a, b = (Data(generate(s, None, start, end)[0]) for s in (base, dcv))
    on = a("ahu-2.fan-run") > 0
    damper_a, damper_b = a("ahu-2.outside-damper"), b("ahu-2.outside-damper")
    assert (damper_b[on] <= damper_a[on] + 1e-9).all()
    assert damper_b[on].mean() < damper_a[on].mean()
    opened = on & (damper_a > 0)
    assert (damper_b[opened] / damper_a[opened]).min() < 0.8  # few people in: far less air
    co2_a, co2_b = zones(a, ".zone-co2"), zones(b, ".zone-co2")
    assert co2_b.max() > co2_a.max() and co2_b.max() < 1200
    # Less cold outdoor air to heat: the boilers burn less gas.
    assert b("gas-meter.flow").sum() < a("gas-meter.flow").sum()
