"""The fault library beyond the first six kinds: each shapes every point it would touch from
its onset (and not before), keeps the energy and mass balances of the points it touches, is
labelled (kind, equipment/point, start, end, magnitude) and generates the same in pieces.
Also: every Btu the coils and reheat boxes take is burnt in a boiler."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from simulator_app.engine import generate, labels, parse_spec
from simulator_app.engine.faults import FAULT_TARGETS, MAGNITUDES

from .conftest import CLEAN, Data, utc

SUMMER = (utc(2026, 7, 6), utc(2026, 7, 11))  # Monday to Saturday
WINTER = (utc(2026, 1, 12), utc(2026, 1, 17))
SPRING = (utc(2026, 4, 13), utc(2026, 4, 18))  # both plants available
ONSET = {"summer": "2026-07-08T14:00:00Z", "winter": "2026-01-14T14:00:00Z",
         "spring": "2026-04-15T14:00:00Z"}
WINDOWS = {"summer": SUMMER, "winter": WINTER, "spring": SPRING}


def pair(fault, season):
    """The same window with and without the fault (no data-quality effects)."""
    start, end = WINDOWS[season]
    out = []
    for faults in ([fault], []):
        batch, _ = generate(parse_spec({"data_quality": CLEAN, "faults": faults}), None,
                            start, end)
        out.append(Data(batch))
    return out


def fault(kind, equip, season, **extra):
    return {"type": kind, "equip": equip, "start": ONSET[season], "severity": 1.0, **extra}


def onset_of(f):
    return int(datetime.fromisoformat(f["start"]).timestamp())


def split(faulty, healthy, f):
    """Asserts nothing differs before the onset; returns the mask of the rows from it."""
    t = onset_of(f)
    early = faulty.ts < t
    assert early.any()
    assert np.array_equal(faulty.batch.values[early], healthy.batch.values[early])
    return faulty.ts >= t


def running(data, key, after):
    return after & (data(key) > 0)


def test_every_kind_of_the_library_is_a_fault_target():
    for kind in ("coil_fouling", "low_chw_delta_t", "pump_failure", "fan_failure",
                 "tower_fan_failure", "duct_static_sensor", "meter_fault",
                 "simultaneous_heating_cooling", "setpoint_misconfig", "schedule_misconfig"):
        assert kind in FAULT_TARGETS


def test_a_fouled_coil_opens_its_valve_further_and_returns_colder_water():
    f = fault("coil_fouling", "ahu-2", "summer", severity=0.8)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    on = running(healthy, "ahu-2.fan-run", after)
    valve = faulty("ahu-2.cooling-valve")[on]
    assert valve.mean() > healthy("ahu-2.cooling-valve")[on].mean() + 15
    # Where the valve is wide open the coil cannot reach the setpoint: warmer supply air.
    full = on & (faulty("ahu-2.cooling-valve") >= 99.9)
    assert full.sum() > 10
    warmer = faulty("ahu-2.discharge-air-temp")[full] - faulty("ahu-2.discharge-air-temp-sp")[full]
    assert (warmer > 1).mean() > 0.75 and warmer.mean() > 2
    chilling = running(healthy, "chiller-2.run", after) & running(faulty, "chiller-2.run", after)
    dt = lambda d: d("chw-plant.chw-return-temp") - d("chw-plant.chw-supply-temp")  # noqa
    loaded = chilling & (dt(healthy) > 9.5)  # above half load the flow follows the load
    assert loaded.sum() > 20
    assert dt(faulty)[loaded].mean() < dt(healthy)[loaded].mean() - 0.5
    # The other air handlers' coils are untouched.
    assert np.abs(faulty("ahu-4.cooling-valve") - healthy("ahu-4.cooling-valve")).max() < 1e-9


def plant_tons(data):
    return sum(data(f"chiller-{i}.chw-flow") * (data(f"chiller-{i}.chw-return-temp")
               - data(f"chiller-{i}.chw-supply-temp")) / 24 for i in (1, 2))


def test_low_delta_t_pumps_more_water_for_the_same_tons_and_stages_chillers_on_flow():
    f = fault("low_chw_delta_t", "chw-plant", "summer")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    on = running(healthy, "chw-pump.run", after) & running(faulty, "chw-pump.run", after)
    dt = lambda d: d("chw-plant.chw-return-temp") - d("chw-plant.chw-supply-temp")  # noqa
    assert dt(faulty)[on].mean() < 0.7 * dt(healthy)[on].mean()
    flow = lambda d: d("chiller-1.chw-flow") + d("chiller-2.chw-flow")  # noqa
    assert flow(faulty)[on].mean() > 1.3 * flow(healthy)[on].mean()
    assert faulty("chw-pump.power")[on].mean() > 1.2 * healthy("chw-pump.power")[on].mean()
    both = lambda d: ((d("chiller-1.run") > 0) & (d("chiller-2.run") > 0))[after].sum()  # noqa
    assert both(faulty) > both(healthy) + 8
    # The coils ask for the same cooling: the tons served (gpm × ΔT / 24) stay the same.
    assert plant_tons(faulty)[after].sum() == pytest.approx(plant_tons(healthy)[after].sum(),
                                                            rel=0.03)


def test_a_tripped_chw_pump_stops_the_flow_and_the_zones_get_no_cooling():
    f = fault("pump_failure", "chw-pump", "summer")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    assert (faulty("chw-pump.power")[after] == 0).all()
    assert (faulty("chw-pump.run")[after] == 0).all()
    for c in ("chiller-1", "chiller-2"):
        assert (faulty(f"{c}.run")[after] == 0).all()
        assert (faulty(f"{c}.chw-flow")[after] == 0).all()
        assert (faulty(f"{c}.power")[after] == 0).all()
    # The plant still calls for its lead chiller, which trips on its flow switch.
    enabled = faulty("chiller-1.enable-cmd") + faulty("chiller-2.enable-cmd")
    assert (enabled[after] == 1).all()
    # The loop drifts toward the room; the coils take no load; the zones warm.
    assert faulty("chw-plant.chw-supply-temp")[after][-1] > 60
    assert (faulty("ahu-1.cooling-valve")[after] == 0).all()
    occupied = running(healthy, "ahu-1.fan-run", after)
    assert (faulty("ahu-1.discharge-air-temp")[occupied]
            > healthy("ahu-1.discharge-air-temp")[occupied] + 3).mean() > 0.8
    assert faulty("vav-03-north.zone-temp")[occupied].mean() > (
        healthy("vav-03-north.zone-temp")[occupied].mean() + 2)
    meter_adds_up(faulty)


def test_a_tripped_hw_pump_leaves_boilers_enabled_but_off_and_zones_cool():
    f = fault("pump_failure", "hw-pump", "winter")
    faulty, healthy = pair(f, "winter")
    after = split(faulty, healthy, f)
    assert (faulty("hw-pump.power")[after] == 0).all()
    assert (faulty("boiler-1.run")[after] + faulty("boiler-2.run")[after] == 0).all()
    assert ((faulty("boiler-1.enable-cmd") + faulty("boiler-2.enable-cmd"))[after] == 1).all()
    assert (faulty("boiler-1.gas-flow")[after] + faulty("boiler-2.gas-flow")[after] == 0).all()
    assert (faulty("vav-03-north.reheat-valve")[after] == 0).all()
    assert healthy("vav-03-north.reheat-valve")[after].max() > 0
    assert faulty("vav-03-north.zone-temp")[after].mean() < (
        healthy("vav-03-north.zone-temp")[after].mean() - 0.5)


def test_an_intermittent_pump_trips_whole_hours_more_often_as_it_worsens():
    f = fault("pump_failure", "chw-pump", "summer", severity=0.5)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    called = running(healthy, "chw-pump.run", after)
    tripped = called & (faulty("chw-pump.run") == 0)
    assert 0.2 < tripped.sum() / called.sum() < 0.8
    # A trip begins on the hour (and lasts at least that hour, then the chiller restarts).
    ran = faulty("chw-pump.run") > 0
    begins = tripped[1:] & ran[:-1]
    assert begins.sum() >= 3
    assert (faulty.ts[1:][begins] % 3600 == 0).all()


def test_a_failed_supply_fan_is_commanded_on_and_moves_no_air():
    f = fault("fan_failure", "ahu-1", "summer", end="2026-07-08T20:00:00Z")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    inside = after & (faulty.ts < onset_of(f) + 6 * 3600)
    assert (faulty("ahu-1.fan-cmd")[inside] == 1).all()
    assert (faulty("ahu-1.fan-run")[inside] == 0).all()
    assert (faulty("ahu-1.fan-power")[inside] == 0).all()
    assert (faulty("ahu-1.discharge-air-flow")[inside] == 0).all()
    assert (faulty("ahu-1.duct-static-pressure")[inside] == 0).all()
    zones = [k for k in faulty.cols(".airflow") if k.split("-")[1] in ("01", "02", "03")]
    for key in zones:
        assert (faulty(key)[inside] == 0).all()
    temp = faulty("vav-02-north.zone-temp")[inside]
    assert temp[-1] > temp[0] + 5  # the zone drifts warm
    assert faulty("vav-02-north.zone-co2")[inside][-1] > healthy(
        "vav-02-north.zone-co2")[inside][-1] + 100
    # The other air handlers' zones are untouched; the meter loses the fan's power.
    assert np.array_equal(faulty("vav-08-north.zone-temp"), healthy("vav-08-north.zone-temp"))
    meter_adds_up(faulty)
    later = faulty.ts >= onset_of(f) + 2 * 86400
    assert np.abs(faulty("vav-02-north.zone-temp")[later]
                  - healthy("vav-02-north.zone-temp")[later]).max() < 1.0


def test_a_failed_tower_fan_warms_the_condenser_water_and_raises_kw_per_ton():
    f = fault("tower_fan_failure", "cooling-tower", "summer")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    on = running(healthy, "chiller-2.run", after) & running(faulty, "chiller-2.run", after)
    assert (faulty("cooling-tower.fan-run")[after] == 0).all()
    assert (faulty("cooling-tower.power")[after] == 0).all()
    assert (faulty("cooling-tower.fan-speed")[on] == 100).all()  # the controller winds up
    assert (faulty("chiller-2.cw-entering-temp")[on]
            > healthy("chiller-2.cw-entering-temp")[on] + 5).all()
    kw_per_ton = lambda d: d("chiller-2.power")[on].sum() / plant_tons(d)[on].sum()  # noqa
    assert kw_per_ton(faulty) > 1.1 * kw_per_ton(healthy)
    meter_adds_up(faulty)


@pytest.mark.parametrize("mode, speed_up", [("bias", 1.05), ("stuck", 1.3)])
def test_a_faulty_duct_static_sensor_makes_the_fan_work_harder(mode, speed_up):
    f = fault("duct_static_sensor", "ahu-1", "summer", mode=mode)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    on = running(healthy, "ahu-1.fan-run", after)
    assert faulty("ahu-1.fan-speed")[on].mean() > speed_up * healthy("ahu-1.fan-speed")[on].mean()
    assert faulty("ahu-1.fan-power")[on].mean() > 1.2 * healthy("ahu-1.fan-power")[on].mean()
    static = faulty("ahu-1.duct-static-pressure")[on]
    if mode == "stuck":
        assert (static == 0).all() and (faulty("ahu-1.fan-speed")[on] == 100).all()
    else:  # the loop holds the (low-reading) sensor on its setpoint
        assert np.median(np.abs(static - faulty("ahu-1.duct-static-pressure-sp")[on])) < 0.1
    # The pressure-independent boxes still get their air.
    assert np.array_equal(faulty("ahu-1.discharge-air-flow"), healthy("ahu-1.discharge-air-flow"))
    meter_adds_up(faulty)


def meter_adds_up(data):
    """The main electric meter is the sum of its loads (readings rounded to 0.01 kW)."""
    parts = [k for k in data.batch.points if k.endswith(".power") or k.endswith(".fan-power")]
    parts = [k for k in parts if not k.startswith("elec-meter")]
    assert len(parts) >= 12
    total = sum(data(k) for k in parts)
    assert np.abs(data("elec-meter.power") - total).max() <= 0.005 * (len(parts) + 1)


def increments(data, key):
    return np.diff(data(key))


def test_a_scaled_meter_reads_and_counts_high_and_no_longer_adds_up():
    f = fault("meter_fault", "elec-meter", "summer", mode="scale", magnitude=1.5)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    assert np.allclose(faulty("elec-meter.power")[after],
                       1.5 * healthy("elec-meter.power")[after], rtol=0, atol=0.02)
    inc = after[1:] & after[:-1]
    assert np.allclose(increments(faulty, "elec-meter.energy")[inc],
                       1.5 * increments(healthy, "elec-meter.energy")[inc], atol=2e-3)
    assert np.array_equal(faulty("plug-meter.power"), healthy("plug-meter.power"))


def test_a_frozen_submeter_repeats_its_onset_reading_and_its_register_stops():
    f = fault("meter_fault", "lighting-meter", "summer", mode="stuck")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    first = np.flatnonzero(after)[0]
    assert (faulty("lighting-meter.power")[after] == healthy("lighting-meter.power")[first]).all()
    energy = faulty("lighting-meter.energy")[after]
    assert (energy == energy[0]).all()
    # The main meter measures the true loads: unchanged.
    assert np.array_equal(faulty("elec-meter.power"), healthy("elec-meter.power"))


def test_a_spiking_meter_reads_negative_now_and_then_while_its_register_counts_on():
    f = fault("meter_fault", "elec-meter", "summer", mode="spike")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    spikes = faulty("elec-meter.power") < 0
    assert not spikes[~after].any()
    assert 0.01 < spikes[after].mean() < 0.1
    assert np.allclose(faulty("elec-meter.power")[spikes], -healthy("elec-meter.power")[spikes],
                       rtol=0, atol=0.02)
    assert np.array_equal(faulty("elec-meter.energy"), healthy("elec-meter.energy"))
    assert (np.diff(faulty("elec-meter.energy")) >= 0).all()


def test_a_leaking_heating_coil_loads_both_plants():
    f = fault("simultaneous_heating_cooling", "ahu-1", "spring")
    faulty, healthy = pair(f, "spring")
    after = split(faulty, healthy, f)
    gas = lambda d: d("gas-meter.volume")[after][-1] - d("gas-meter.volume")[after][0]  # noqa
    assert gas(faulty) > 1.5 * gas(healthy)
    tons = lambda d: plant_tons(d)[after].sum()  # noqa
    assert tons(faulty) > 1.1 * tons(healthy)
    on = running(healthy, "ahu-1.fan-run", after)
    assert faulty("ahu-1.cooling-valve")[on].mean() > healthy("ahu-1.cooling-valve")[on].mean()
    meter_adds_up(faulty)


def test_an_offset_setpoint_shows_on_the_setpoint_points_and_overcools_the_zone():
    f = fault("setpoint_misconfig", "vav-05-north", "summer", magnitude=-3.0)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    occupied = after & (healthy("ahu-2.fan-run") > 0) & (
        healthy("vav-05-north.zone-cooling-sp") == 72)
    assert occupied.sum() > 50
    assert (faulty("vav-05-north.zone-cooling-sp")[occupied] == 69).all()
    assert (faulty("vav-05-north.zone-heating-sp")[occupied] == 67).all()
    assert faulty("vav-05-north.zone-temp")[occupied].mean() < (
        healthy("vav-05-north.zone-temp")[occupied].mean() - 1.5)
    assert faulty("vav-05-north.airflow")[occupied].mean() > healthy(
        "vav-05-north.airflow")[occupied].mean()
    assert np.array_equal(faulty("vav-05-east.zone-cooling-sp"),
                          healthy("vav-05-east.zone-cooling-sp"))


def test_a_narrow_deadband_on_an_air_handler_squeezes_all_its_zones():
    f = fault("setpoint_misconfig", "ahu-2", "spring", mode="deadband", magnitude=0.5)
    faulty, healthy = pair(f, "spring")
    after = split(faulty, healthy, f)
    occupied = after & (healthy("vav-05-north.zone-cooling-sp") == 72)
    for key in ("vav-04-north", "vav-06-west"):
        band = faulty(f"{key}.zone-cooling-sp") - faulty(f"{key}.zone-heating-sp")
        assert np.allclose(band[occupied], 0.5)
    band = faulty("vav-01-north.zone-cooling-sp") - faulty("vav-01-north.zone-heating-sp")
    assert np.allclose(band[occupied], 2.0)  # ahu-1's zones keep their band


def test_a_24_7_schedule_runs_the_air_handler_all_night():
    f = fault("schedule_misconfig", "ahu-3", "summer")
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    assert (faulty("ahu-3.fan-run")[after] == 1).all()
    assert healthy("ahu-3.fan-run")[after].mean() < 0.8


def test_a_shifted_schedule_starts_the_air_handler_late():
    f = fault("schedule_misconfig", "ahu-3", "summer", mode="shift", magnitude=2.0)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    # Its zones' setpoints show occupied mode: it begins (and ends) two hours late.
    day = (faulty.ts - 4 * 3600) // 86400  # New York summer days
    for d in np.unique(day[after])[1:2]:  # Thursday (Friday runs past the window)
        rows = (day == d)
        occupied = lambda x: x("vav-08-north.zone-cooling-sp")[rows] == 72  # noqa
        first = lambda x: faulty.ts[rows][np.flatnonzero(occupied(x))[0]]  # noqa
        last = lambda x: faulty.ts[rows][np.flatnonzero(occupied(x))[-1]]  # noqa
        assert first(faulty) - first(healthy) == 2 * 3600
        assert last(faulty) - last(healthy) == 2 * 3600
    assert np.array_equal(faulty("vav-02-north.zone-cooling-sp"),
                          healthy("vav-02-north.zone-cooling-sp"))


EXPECTED = [
    ("coil_fouling", "ahu-2", {}, None, 0.8 * 0.6, 0.8),
    ("low_chw_delta_t", "chw-plant", {"magnitude": 0.4}, None, 0.4, 1.0),
    ("pump_failure", "hw-pump", {}, None, 1.0, 1.0),
    ("fan_failure", "ahu-1", {}, None, 1.0, 1.0),
    ("tower_fan_failure", "cooling-tower", {}, None, 0.5, 0.5),
    ("duct_static_sensor", "ahu-3", {}, "ahu-3.duct-static-pressure", -0.5, 1.0),
    ("duct_static_sensor", "ahu-3", {"mode": "stuck", "magnitude": 4.0},
     "ahu-3.duct-static-pressure", 4.0, 1.0),
    ("meter_fault", "elec-meter", {"mode": "scale"}, None, 1.5, 1.0),
    ("meter_fault", "plug-meter", {"mode": "stuck"}, None, None, 1.0),
    ("simultaneous_heating_cooling", "ahu-4", {}, None, 8.0, 1.0),
    ("setpoint_misconfig", "vav-05-north", {}, None, -3.0, 1.0),
    ("schedule_misconfig", "ahu-2", {"mode": "shift", "magnitude": -1.5}, None, -1.5, 1.0),
    ("schedule_misconfig", "ahu-2", {}, None, None, 1.0),
]


@pytest.mark.parametrize("kind, equip, extra, point, size, severity", EXPECTED)
def test_labels_name_the_kind_equipment_point_window_and_magnitude(kind, equip, extra, point,
                                                                   size, severity):
    f = {"type": kind, "equip": equip, "start": "2026-07-08T14:00:00Z",
         "end": "2026-07-09T02:00:00Z", "severity": severity, **extra}
    spec = parse_spec({"faults": [f]})
    (label,) = labels(spec, utc(2026, 7, 6), utc(2026, 7, 13), anomalies=False)
    assert (label.fault, label.entity, label.point) == (kind, equip, point)
    assert (label.start, label.end) == (onset_of(f), onset_of(f) + 12 * 3600)
    assert label.severity == severity
    assert label.magnitude == (None if size is None else pytest.approx(size))


def test_bad_fault_parameters_are_refused_with_the_field():
    from simulator_app.engine import SpecError
    bad = [
        {"type": "pump_failure", "equip": "ahu-1"},
        {"type": "meter_fault", "equip": "elec-meter", "mode": "wobble"},
        {"type": "coil_fouling", "equip": "ahu-1", "magnitude": 1.5},
        {"type": "fan_failure", "equip": "ahu-1", "magnitude": 2.0},
        {"type": "coil_fouling", "equip": "ahu-1", "mode": "stuck"},
    ]
    for f in bad:
        with pytest.raises(SpecError) as info:
            parse_spec({"faults": [{**f, "start": "2026-07-08T14:00:00Z"}]})
        assert "faults.0" in str(info.value.errors if hasattr(info.value, "errors")
                                 else info.value)


def test_every_new_kind_generates_the_same_in_pieces_across_its_onset():
    faults = [
        fault("coil_fouling", "ahu-2", "summer", severity=0.6, ramp_days=1),
        fault("low_chw_delta_t", "chw-plant", "summer", severity=0.5),
        fault("pump_failure", "hw-pump", "summer", severity=0.5),
        fault("fan_failure", "ahu-1", "summer", severity=0.3),
        fault("tower_fan_failure", "cooling-tower", "summer", severity=0.7, ramp_days=2),
        fault("duct_static_sensor", "ahu-3", "summer"),
        fault("meter_fault", "lighting-meter", "summer", mode="stuck"),
        fault("meter_fault", "elec-meter", "summer", mode="spike"),
        fault("meter_fault", "plug-meter", "summer", mode="scale"),
        fault("simultaneous_heating_cooling", "ahu-4", "summer"),
        fault("setpoint_misconfig", "ahu-4", "summer", mode="deadband"),
        fault("schedule_misconfig", "ahu-2", "summer", mode="shift", ramp_days=1),
    ]
    spec = parse_spec({"faults": faults})  # data-quality effects on
    start, end = SUMMER
    whole, _ = generate(spec, None, start, end)
    cut = datetime.fromisoformat(ONSET["summer"]) + timedelta(hours=5, minutes=15)
    first, state = generate(spec, None, start, cut)
    second, _ = generate(spec, state.to_dict(), cut, end)
    pieces = np.concatenate([first.values, second.values])
    assert np.array_equal(np.isnan(whole.values), np.isnan(pieces))
    assert np.array_equal(np.nan_to_num(whole.values), np.nan_to_num(pieces))
    assert list(whole.labels) == list(first.labels)[:0] + list(labels(spec, start, end))


def test_every_btu_of_heat_the_zones_take_is_burnt_in_a_boiler(clean_spec):
    """A cold month: no interval with reheat or a heating coil open while no boiler runs
    (but right after a boiler stopped, when the loop is still hot), and the boilers' output
    covers the heat the air got (it was 18 % short when boilers waited 15 minutes to start
    and ignored loads under 0.5 % of a boiler)."""
    batch, _ = generate(clean_spec, None, utc(2026, 1, 5), utc(2026, 2, 2))
    d = Data(batch)
    boilers = (d("boiler-1.run") + d("boiler-2.run")) > 0
    reheat = sum(d(k) for k in d.cols(".reheat-valve")) + sum(
        d(f"ahu-{i}.heating-valve") for i in range(1, 5))
    unserved = (reheat > 0) & ~boilers
    recently = np.convolve(boilers.astype(int), np.ones(3, int))[:len(boilers)] > 0
    assert not (unserved & ~recently).any()
    assert unserved.sum() <= 4
    # Heat to the air: reheat boxes (airflow × rise over supply air) ...
    step_h = clean_spec.interval_seconds / 3600
    air = 0.0
    for key in d.cols(".reheat-valve"):
        box = key.rsplit(".", 1)[0]
        ahu = f"ahu-{(int(box.split('-')[1]) - 1) // 3 + 1}"
        rise = np.maximum(d(f"{box}.discharge-air-temp") - d(f"{ahu}.discharge-air-temp"), 0)
        air += (1.08 * d(f"{box}.airflow") * rise * (d(key) > 0)).sum() * step_h
    # ... and what the boilers made of their gas (at least their efficiency × gas heat).
    gas = sum(d(f"boiler-{i}.gas-flow") for i in (1, 2)).sum() * step_h * 1030.0
    assert 0.84 * gas > air > 0


def test_a_scaled_meter_label_says_the_factor_the_reading_is_multiplied_by():
    f = fault("meter_fault", "elec-meter", "summer", mode="scale", severity=0.5)  # factor 1.5
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    (label,) = labels(parse_spec({"faults": [f]}), *SUMMER, anomalies=False)
    assert label.magnitude == pytest.approx(1.25)
    assert label.mode == "scale"
    on = after & (healthy("elec-meter.power") > 50)
    ratio = faulty("elec-meter.power")[on] / healthy("elec-meter.power")[on]
    assert np.allclose(ratio, label.magnitude, atol=1e-3)


def test_a_sensor_bias_label_names_its_point_and_the_bias_it_reads():
    f = fault("sensor_bias", "ahu-2", "summer", point="mixed-air-temp", severity=0.6,
              magnitude=4.0)
    faulty, healthy = pair(f, "summer")
    after = split(faulty, healthy, f)
    (label,) = labels(parse_spec({"faults": [f]}), *SUMMER, anomalies=False)
    assert (label.entity, label.point, label.mode) == ("ahu-2.mixed-air-temp",
                                                      "ahu-2.mixed-air-temp", None)
    assert label.magnitude == pytest.approx(2.4)  # severity × bias
    diff = faulty(label.point)[after] - healthy(label.point)[after]
    assert np.allclose(diff, label.magnitude, atol=0.06)  # readings are rounded
    # The default: the equipment's first biasable sensor, 5 °F at severity 1.
    default = {"type": "sensor_bias", "equip": "vav-03-east", "start": ONSET["summer"]}
    (label,) = labels(parse_spec({"faults": [default]}), *SUMMER, anomalies=False)
    assert (label.point, label.magnitude) == ("vav-03-east.zone-temp", pytest.approx(2.5))


@pytest.mark.parametrize("kind, equip, extra, mode", [
    ("duct_static_sensor", "ahu-1", {}, "bias"),
    ("meter_fault", "plug-meter", {"mode": "spike"}, "spike"),
    ("setpoint_misconfig", "ahu-1", {}, "offset"),
    ("schedule_misconfig", "ahu-1", {"mode": "shift"}, "shift"),
    ("coil_fouling", "ahu-1", {}, None),
])
def test_fault_labels_carry_the_mode_of_kinds_that_have_several(kind, equip, extra, mode):
    f = {"type": kind, "equip": equip, "start": ONSET["summer"], **extra}
    (label,) = labels(parse_spec({"faults": [f]}), *SUMMER, anomalies=False)
    assert label.mode == mode


@pytest.mark.parametrize("bad, field", [
    ({"type": "meter_fault", "equip": "elec-meter", "mode": "wobble"}, "mode"),
    ({"type": "coil_fouling", "equip": "ahu-1", "mode": "stuck"}, "mode"),
    ({"type": "coil_fouling", "equip": "ahu-1", "magnitude": 1.5}, "magnitude"),
    ({"type": "meter_fault", "equip": "elec-meter", "magnitude": -1}, "magnitude"),
    ({"type": "setpoint_misconfig", "equip": "ahu-1", "mode": "deadband", "magnitude": 12},
     "magnitude"),
    ({"type": "coil_fouling", "equip": "ahu-1", "magnitude": 0}, "magnitude"),
    ({"type": "duct_static_sensor", "equip": "ahu-1", "magnitude": 0}, "magnitude"),  # bias 0
])
def test_mode_and_magnitude_rules_are_refused_at_their_field(bad, field):
    from simulator_app.engine import SpecError
    with pytest.raises(SpecError) as info:
        parse_spec({"faults": [{**bad, "start": ONSET["summer"]}]})
    assert [e["field"] for e in info.value.errors] == [f"faults.0.{field}"]


def test_a_duct_static_sensor_may_be_stuck_at_zero_explicitly():
    f = fault("duct_static_sensor", "ahu-3", "summer", mode="stuck", magnitude=0)
    implicit = fault("duct_static_sensor", "ahu-3", "summer", mode="stuck")
    assert parse_spec({"faults": [f]}).faults[0].magnitude == 0
    one, = labels(parse_spec({"faults": [f]}), *SUMMER, anomalies=False)
    other, = labels(parse_spec({"faults": [implicit]}), *SUMMER, anomalies=False)
    assert one == other and one.magnitude == 0.0
    faulty, _ = pair(f, "summer")
    default, _ = pair(implicit, "summer")
    assert np.array_equal(faulty.batch.values, default.batch.values, equal_nan=True)


def test_a_zone_without_air_free_runs_like_an_office_with_its_hvac_off():
    """No airflow (a failed fan) and no internal gains, a July week: the floors warm by the
    sun and the outdoor air only and sit in the 85-95 °F a real office with its HVAC off
    reaches after a day or two; with people, lights and plugs still on they get far hotter
    (the gains stay in the zone: UA 0.14 Btu/h·ft²·°F)."""
    f = {"type": "fan_failure", "equip": "ahu-2", "start": "2026-07-06T04:00:00Z",
         "severity": 1.0}
    onset = onset_of(f)
    means = []
    for extra in ({"equipment": {"plug_w_per_ft2": 0, "lighting_w_per_ft2": 0},
                   "schedule": {"people_per_1000_ft2": 0}}, {}):
        batch, _ = generate(parse_spec({"data_quality": CLEAN, "faults": [f], **extra}), None,
                            utc(2026, 7, 1), utc(2026, 7, 9))
        d = Data(batch)
        temps = np.stack([d(k) for k in d.cols(".zone-temp") if k.split("-")[1] in
                          ("04", "05", "06")], axis=1)  # the three floors of ahu-2
        second_day = (d.ts >= onset + 86400) & (d.ts < onset + 2 * 86400)
        means.append(temps[second_day].mean())
        if extra:  # no internal gains
            assert 84 < means[-1] < 95
            assert temps[second_day].max() < 100
            assert d("weather.air-temp")[second_day].mean() < means[-1] - 5
    assert means[1] > means[0] + 10


def test_two_schedule_faults_on_one_ahu_generate_the_same_in_pieces():
    """A shifted schedule and, later, an always-on override of the same AHU: the override
    only clears the shift's optimal start where it is on, whichever window holds both."""
    faults = [
        fault("schedule_misconfig", "ahu-2", "summer", mode="shift", magnitude=2.0),
        {**fault("schedule_misconfig", "ahu-2", "summer"), "start": "2026-07-10T00:00:00Z",
         "end": "2026-07-10T12:00:00Z"},
    ]
    spec = parse_spec({"data_quality": CLEAN, "faults": faults})
    start, end = SUMMER
    whole, _ = generate(spec, None, start, end)
    cut = utc(2026, 7, 9, 18)  # the second window alone holds the override
    first, state = generate(spec, None, start, cut)
    second, _ = generate(spec, state.to_dict(), cut, end)
    pieces = np.concatenate([first.values, second.values])
    assert np.array_equal(np.isnan(whole.values), np.isnan(pieces))
    assert np.array_equal(np.nan_to_num(whole.values), np.nan_to_num(pieces))
