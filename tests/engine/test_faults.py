"""Faults change the physics where (and only where) their labels say, and are labelled."""

import numpy as np
import pytest

from simulator_app.engine import generate, labels, parse_spec

from .conftest import CLEAN, Data, utc


def pair(fault, start, end):
    """The same window with and without one fault (no data-quality effects)."""
    base = {"data_quality": CLEAN, "faults": []}
    out = []
    for faults in ([fault], []):
        batch, _ = generate(parse_spec({**base, "faults": faults}), None, start, end)
        out.append(Data(batch))
    return out


def onset(fault):
    return int(utc(*fault["start"]).timestamp())


def before_is_identical(faulty, healthy, t):
    early = faulty.ts < t
    return early.any() and np.array_equal(faulty.batch.values[early], healthy.batch.values[early])


def workday_hours(data, mask=None):
    hour, weekday, _ = data.local()
    keep = (weekday < 5) & (hour >= 10) & (hour < 16)
    return keep if mask is None else keep & mask


def test_stuck_damper_starves_its_zone():
    fault = {"type": "stuck_damper", "equip": "vav-03-south", "start": (2026, 7, 6, 15),
             "end": (2026, 7, 17), "position_pct": 10, "severity": 0.8}
    faulty, healthy = pair(_iso(fault), utc(2026, 7, 1), utc(2026, 7, 23))
    t, t_end = onset(fault), int(utc(2026, 7, 17).timestamp())
    assert before_is_identical(faulty, healthy, t)
    inside = workday_hours(faulty, (faulty.ts >= t) & (faulty.ts < t_end))
    flow = faulty("vav-03-south.airflow")[inside]
    assert np.all(flow == 300)  # 10 % of 3000 cfm whatever the controller asks
    assert faulty("vav-03-south.damper")[inside].mean() > 90  # it asks for everything
    warmer = faulty("vav-03-south.zone-temp")[inside] - healthy("vav-03-south.zone-temp")[inside]
    assert warmer.mean() > 3
    after = workday_hours(faulty, faulty.ts >= t_end + 86400)
    assert np.abs(faulty("vav-03-south.airflow")[after]
                  - healthy("vav-03-south.airflow")[after]).max() < 50


def test_stuck_open_economizer_drags_mixed_air_to_outdoor_and_burns_gas():
    fault = {"type": "economizer_stuck", "equip": "ahu-1", "start": (2026, 1, 19, 14),
             "end": (2026, 1, 30), "position_pct": 100, "severity": 1.0}
    faulty, healthy = pair(_iso(fault), utc(2026, 1, 15), utc(2026, 1, 30))
    t = onset(fault)
    assert before_is_identical(faulty, healthy, t)
    on = (faulty.ts >= t) & (faulty("ahu-1.fan-run") == 1)
    oat = faulty("weather.air-temp")[on]
    assert np.abs(faulty("ahu-1.mixed-air-temp")[on] - oat).max() < 1.0
    assert (healthy("ahu-1.mixed-air-temp")[on] - oat).mean() > 15
    gas = lambda d: d("gas-meter.volume")[-1] - d("gas-meter.volume")[d.ts == t][0]  # noqa: E731
    assert gas(faulty) > 1.2 * gas(healthy)


def plant_tons(data):
    return sum(data(f"chiller-{i}.chw-flow") * (data(f"chiller-{i}.chw-return-temp")
               - data(f"chiller-{i}.chw-supply-temp")) / 24 for i in (1, 2))


def test_leaking_valve_overcools_supply_air_and_loads_the_chillers():
    fault = {"type": "leaking_valve", "equip": "ahu-3", "start": (2026, 5, 11, 13),
             "end": (2026, 6, 20), "severity": 0.7, "ramp_days": 7}
    faulty, healthy = pair(_iso(fault), utc(2026, 5, 8), utc(2026, 6, 20))
    t = onset(fault)
    assert before_is_identical(faulty, healthy, t)
    # Where the healthy coil's valve sits closed (free cooling), the leak still cools ...
    closed = ((faulty.ts >= t + 7 * 86400) & (healthy("ahu-3.cooling-valve") < 5)
              & (healthy("ahu-3.fan-run") == 1))
    assert closed.sum() > 10
    colder = healthy("ahu-3.discharge-air-temp") - faulty("ahu-3.discharge-air-temp")
    assert colder[closed].mean() > 3
    assert faulty("ahu-3.cooling-valve")[closed].max() < 5  # the controller closed it
    # ... and that water comes from the chillers.
    assert plant_tons(faulty)[closed].mean() > plant_tons(healthy)[closed].mean() + 3


def test_short_cycling_chiller_drops_out_while_enabled():
    fault = {"type": "short_cycling", "equip": "chiller-2", "start": (2026, 8, 10, 12),
             "end": (2026, 8, 21, 22), "severity": 0.6}
    faulty, _ = pair(_iso(fault), utc(2026, 8, 3), utc(2026, 8, 24))
    t, t_end = onset(fault), int(utc(2026, 8, 21, 22).timestamp())
    dropped = (faulty("chiller-2.enable-cmd") == 1) & (faulty("chiller-2.run") == 0)
    inside = (faulty.ts >= t) & (faulty.ts < t_end)
    assert dropped[inside].sum() > 10
    assert not dropped[~inside].any()
    starts = np.diff(faulty("chiller-2.run")[inside]) > 0
    assert starts.sum() > 10  # many restarts: short cycles


def test_short_cycling_boiler_lets_hot_water_sag():
    # Boiler-2 leads the week of Monday 2026-12-07 (the lead rotates on local Mondays).
    fault = {"type": "short_cycling", "equip": "boiler-2", "start": (2026, 12, 7, 11),
             "end": (2026, 12, 12), "severity": 0.7}
    faulty, healthy = pair(_iso(fault), utc(2026, 12, 3), utc(2026, 12, 12))
    dropped = (faulty("boiler-2.enable-cmd") == 1) & (faulty("boiler-2.run") == 0)
    assert dropped[faulty.ts >= onset(fault)].sum() > 5
    assert not dropped[faulty.ts < onset(fault)].any()


def test_biased_zone_sensor_makes_its_vav_overcool_the_real_zone():
    fault = {"type": "sensor_bias", "equip": "vav-07-east", "point": "zone-temp",
             "start": (2026, 9, 21, 12), "end": None, "severity": 1.0, "ramp_days": 3,
             "magnitude": 4.0}
    faulty, healthy = pair(_iso(fault), utc(2026, 9, 17), utc(2026, 10, 10))
    t = onset(fault)
    assert before_is_identical(faulty, healthy, t)
    later = workday_hours(faulty, faulty.ts >= t + 4 * 86400)
    # The controller holds its (high) reading at setpoint, so the reading looks normal ...
    reading = faulty("vav-07-east.zone-temp")[later] - healthy("vav-07-east.zone-temp")[later]
    assert abs(reading.mean()) < 1.5
    # ... while the zone gets more cold air than its healthy twin.
    flow = faulty("vav-07-east.airflow")[later], healthy("vav-07-east.airflow")[later]
    assert flow[0].mean() > 1.1 * flow[1].mean()


def test_schedule_override_runs_the_air_handler_all_night():
    fault = {"type": "schedule_override", "equip": "ahu-2", "start": (2026, 11, 14, 4),
             "end": (2026, 11, 20), "severity": 1.0}
    faulty, healthy = pair(_iso(fault), utc(2026, 11, 10), utc(2026, 11, 24))
    hour, _, _ = faulty.local()
    night = (hour >= 1) & (hour < 5)
    inside = night & (faulty.ts >= onset(fault)) & (faulty.ts < utc(2026, 11, 20).timestamp())
    assert faulty("ahu-2.fan-run")[inside].mean() == 1.0
    assert healthy("ahu-2.fan-run")[inside].mean() < 0.3
    assert np.all(faulty("vav-04-north.zone-cooling-sp")[inside] == 72)
    assert (faulty("elec-meter.energy")[-1] > healthy("elec-meter.energy")[-1])
    outside = night & (faulty.ts >= utc(2026, 11, 21).timestamp())
    assert faulty("ahu-2.fan-run")[outside].mean() < 0.3


def test_labels_give_the_ground_truth_of_a_window(spec):
    found = labels(spec, utc(2026, 7, 1), utc(2026, 8, 15))
    kinds = {(lb.fault, lb.entity) for lb in found}
    assert ("stuck_damper", "vav-03-south") in kinds
    assert ("leaking_valve", "ahu-3") in kinds
    assert ("short_cycling", "chiller-2") in kinds
    stuck = next(lb for lb in found if lb.fault == "stuck_damper")
    assert (stuck.start, stuck.end) == (int(utc(2026, 7, 6, 15).timestamp()),
                                        int(utc(2026, 7, 31, 19).timestamp()))
    assert stuck.severity == pytest.approx(0.8)
    assert labels(spec, utc(2026, 3, 1), utc(2026, 3, 2), anomalies=False) == []
    # A day without fault episodes still carries its data-quality anomalies.
    assert {lb.fault for lb in labels(spec, utc(2026, 3, 1), utc(2026, 3, 2))} >= {
        "drift", "stale", "dropout"}


def test_open_ended_faults_are_labelled_up_to_the_window_end(spec):
    end = utc(2026, 11, 1)
    bias = [lb for lb in labels(spec, utc(2026, 10, 20), end) if lb.fault == "sensor_bias"]
    assert bias and bias[0].entity == "vav-07-east.zone-temp"
    assert bias[0].end == int(end.timestamp())


def test_the_batch_carries_the_labels_of_its_window(spec):
    batch, _ = generate(spec, None, utc(2026, 7, 6), utc(2026, 7, 7))
    assert batch.labels == labels(spec, utc(2026, 7, 6), utc(2026, 7, 7))
    assert any(lb.fault == "stuck_damper" for lb in batch.labels)


def _iso(fault):
    def stamp(t):
        return None if t is None else utc(*t).isoformat()
    return {**fault, "start": stamp(fault["start"]), "end": stamp(fault["end"])}


def test_every_default_fault_shows_in_its_equipment_exactly_from_its_label(faulty_spec):
    """For each labelled episode of 2026: the data is untouched before the label starts and
    the labelled equipment's points change inside it."""
    spec_dict = faulty_spec.to_dict()
    by_start = {(f.type, int(f.start.timestamp())): raw
                for f, raw in zip(faulty_spec.faults, spec_dict["faults"])}
    for label in labels(faulty_spec, utc(2026, 1, 1), utc(2027, 1, 1)):
        fault = by_start[(label.fault, label.start)]
        start, end = label.start - 2 * 86400, min(label.end, label.start + 10 * 86400)
        start, end = start - start % 900, end - end % 900
        with_fault, _ = generate(parse_spec({**spec_dict, "faults": [fault]}), None, start, end)
        without, _ = generate(parse_spec({**spec_dict, "faults": []}), None, start, end)
        equip = label.entity.split(".")[0]
        cols = [i for i, k in enumerate(with_fault.points) if k.startswith(equip + ".")]
        before = with_fault.ts < label.start
        assert np.array_equal(with_fault.values[before], without.values[before]), label
        inside = ~before
        assert not np.array_equal(with_fault.values[inside][:, cols],
                                  without.values[inside][:, cols]), label


def test_a_stuck_damper_feedback_reads_where_it_stuck_while_the_command_asks_for_more():
    fault = {"type": "stuck_damper", "equip": "vav-03-south", "start": (2026, 7, 6, 15),
             "end": (2026, 7, 10), "severity": 0.8, "position_pct": 30}
    faulty, healthy = pair(_iso(fault), utc(2026, 7, 3), utc(2026, 7, 10))
    inside = faulty.ts >= onset(fault)
    running = inside & (faulty("vav-03-south.airflow") > 0)
    feedback, command = faulty("vav-03-south.damper-feedback"), faulty("vav-03-south.damper")
    assert np.all(feedback[inside] == 30.0)  # stuck, fan on or off
    assert command[running].mean() > 60  # the controller winds up, the damper does not move
    airflow = faulty("vav-03-south.airflow")[running] / 3000
    assert np.allclose(airflow, 0.30, atol=0.02)  # the airflow agrees with the feedback
    before = ~inside
    # Healthy, the feedback follows the command with the actuator's lag: close, not equal.
    for fb, cmd in ((feedback[before], command[before]),
                    (healthy("vav-03-south.damper-feedback"), healthy("vav-03-south.damper"))):
        assert np.median(np.abs(fb - cmd)) < 0.5 and np.abs(fb - cmd).max() < 15
