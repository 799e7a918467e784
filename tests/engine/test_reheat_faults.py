"""Stuck and leaking reheat valves: the box's reheat command shows what the controller asks,
the discharge air what the coil really gives; the zone, its airflow, the chillers and the
boilers all feel the heat from the onset (and not before); the zone's energy balance holds
with the valve's heat in it; labelled; the same in pieces across the onset."""

from datetime import datetime, timedelta

import numpy as np
import pytest

from simulator_app.engine import generate, labels, parse_spec
from simulator_app.engine import physics, zones
from simulator_app.engine.faults import FAULT_TARGETS

from .conftest import CLEAN, Data, utc

SPRING = (utc(2026, 4, 13), utc(2026, 4, 18))  # both plants available
SUMMER = (utc(2026, 7, 6), utc(2026, 7, 11))  # boilers locked out
ONSET = "2026-04-15T14:00:00Z"
BOX, AHU = "vav-05-north", "ahu-2"  # floor 5 is on the second air handler


def fault(kind, **extra):
    return {"type": kind, "equip": BOX, "start": ONSET, "severity": 1.0, **extra}


def pair(f, window=SPRING):
    start, end = window
    out = []
    for faults in ([f], []):
        batch, _ = generate(parse_spec({"data_quality": CLEAN, "faults": faults}), None,
                            start, end)
        out.append(Data(batch))
    return out


def after_onset(faulty, healthy, f):
    """Nothing differs before the onset; the rows from it."""
    t = int(datetime.fromisoformat(f["start"]).timestamp())
    early = faulty.ts < t
    assert early.any() and (~early).any()
    assert np.array_equal(faulty.batch.values[early], healthy.batch.values[early])
    return ~early


def occupied_running(data, rows):
    return rows & (data(f"{AHU}.fan-run") > 0) & (data(f"{BOX}.occupied") > 0)


def boiler_gas(d):
    return d("boiler-1.gas-flow") + d("boiler-2.gas-flow")


def chiller_power(d):
    return d("chiller-1.power") + d("chiller-2.power")


def test_both_reheat_valve_faults_are_fault_targets_of_a_vav():
    assert FAULT_TARGETS["reheat_valve_stuck"] == ("vav",)
    assert FAULT_TARGETS["reheat_valve_leaking"] == ("vav",)


def test_a_reheat_valve_stuck_open_overheats_its_zone_whose_box_opens_to_fight_it():
    f = fault("reheat_valve_stuck")  # stuck wide open (100 %)
    faulty, healthy = pair(f)
    rows = after_onset(faulty, healthy, f)
    on = occupied_running(faulty, rows) & occupied_running(healthy, rows)
    assert on.sum() > 50
    zone = lambda d: d(f"{BOX}.zone-temp")[on]  # noqa: E731
    assert zone(faulty).mean() > zone(healthy).mean() + 3
    assert (zone(faulty) > healthy(f"{BOX}.zone-cooling-sp")[on] + 1).mean() > 0.5
    # The cooling loop opens the box (wide, where warm air cannot cool the zone) ...
    flow = lambda d: d(f"{BOX}.airflow")[on]  # noqa: E731
    assert flow(faulty).mean() > 1.5 * flow(healthy).mean()
    assert (flow(faulty) > 0.9 * 3000).mean() > 0.3
    # ... while commanding no reheat: the command shows the controller, the discharge air
    # the hot coil.
    cmd = faulty(f"{BOX}.reheat-valve")[on]
    rise = faulty(f"{BOX}.discharge-air-temp")[on] - faulty(f"{AHU}.discharge-air-temp")[on]
    assert (cmd == 0).mean() > 0.9
    assert rise[cmd == 0].min() > 10
    healthy_rise = (healthy(f"{BOX}.discharge-air-temp")[on]
                    - healthy(f"{AHU}.discharge-air-temp")[on])
    assert np.abs(healthy_rise[healthy(f"{BOX}.reheat-valve")[on] == 0]).max() < 0.2
    # The boilers heat the air the chillers then cool: both plants work harder.
    assert boiler_gas(faulty)[rows].sum() > 1.2 * boiler_gas(healthy)[rows].sum()
    assert chiller_power(faulty)[rows].sum() > chiller_power(healthy)[rows].sum()
    assert faulty(f"{AHU}.discharge-air-flow")[on].mean() > healthy(
        f"{AHU}.discharge-air-flow")[on].mean()


def test_a_leaking_reheat_valve_warms_the_air_while_commanded_shut():
    f = fault("reheat_valve_leaking", magnitude=0.2)
    faulty, healthy = pair(f)
    rows = after_onset(faulty, healthy, f)
    on = occupied_running(faulty, rows)
    shut = on & (faulty(f"{BOX}.reheat-valve") == 0)
    assert shut.sum() > 50
    rise = faulty(f"{BOX}.discharge-air-temp") - faulty(f"{AHU}.discharge-air-temp")
    assert rise[shut].min() > 2  # the leak heats the air the command says it does not
    assert faulty(f"{BOX}.airflow")[on].mean() > 1.2 * healthy(f"{BOX}.airflow")[on].mean()
    assert boiler_gas(faulty)[rows].sum() > boiler_gas(healthy)[rows].sum()
    # Less than a valve stuck open: the zone mostly holds its setpoint.
    stuck, _ = pair(fault("reheat_valve_stuck"))
    assert (faulty(f"{BOX}.zone-temp")[on].mean() + 2 < stuck(f"{BOX}.zone-temp")[on].mean())


def test_a_reheat_valve_stuck_shut_winds_its_command_up_without_heating():
    f = fault("reheat_valve_stuck", magnitude=0)  # 0 % open is meaningful: stuck shut
    window = (utc(2026, 1, 12), utc(2026, 1, 17))
    f["start"] = "2026-01-14T14:00:00Z"
    faulty, healthy = pair(f, window)
    rows = after_onset(faulty, healthy, f)
    running = rows & (faulty(f"{AHU}.fan-run") > 0)
    cmd_f, cmd_h = faulty(f"{BOX}.reheat-valve"), healthy(f"{BOX}.reheat-valve")
    assert cmd_f[running].mean() > cmd_h[running].mean() + 5
    rise = faulty(f"{BOX}.discharge-air-temp") - faulty(f"{AHU}.discharge-air-temp")
    assert np.abs(rise[running & (cmd_f > 0)]).max() < 0.2  # no heat, whatever the command
    assert faulty(f"{BOX}.zone-temp")[running].mean() < healthy(f"{BOX}.zone-temp")[
        running].mean() - 0.5


def test_without_hot_water_a_stuck_reheat_valve_gives_no_heat():
    f = {**fault("reheat_valve_stuck"), "start": "2026-07-08T14:00:00Z"}
    faulty, healthy = pair(f, SUMMER)
    assert np.array_equal(faulty.batch.values, healthy.batch.values, equal_nan=True)


@pytest.mark.parametrize("kind, extra, severity, size", [
    ("reheat_valve_stuck", {}, 1.0, 100.0),
    ("reheat_valve_stuck", {"magnitude": 35}, 0.4, 35.0),  # a position, not scaled
    ("reheat_valve_leaking", {}, 0.5, 0.15),  # severity × the default 0.3
    ("reheat_valve_leaking", {"magnitude": 0.6}, 0.5, 0.3),
])
def test_reheat_valve_labels_name_the_box_window_and_size(kind, extra, severity, size):
    f = {**fault(kind, **extra), "severity": severity, "end": "2026-04-16T02:00:00Z"}
    (label,) = labels(parse_spec({"faults": [f]}), *SPRING, anomalies=False)
    start = int(datetime.fromisoformat(ONSET).timestamp())
    assert (label.fault, label.entity, label.point, label.mode) == (kind, BOX, None, None)
    assert (label.start, label.end) == (start, start + 12 * 3600)
    assert label.severity == severity
    assert label.magnitude == pytest.approx(size)


@pytest.mark.parametrize("bad", [
    {"type": "reheat_valve_stuck", "magnitude": 120},
    {"type": "reheat_valve_leaking", "magnitude": 1.5},
    {"type": "reheat_valve_leaking", "magnitude": 0},
    {"type": "reheat_valve_stuck", "mode": "open"},
])
def test_bad_reheat_valve_parameters_are_refused_at_their_field(bad):
    from simulator_app.engine import SpecError

    field = "mode" if "mode" in bad else "magnitude"
    with pytest.raises(SpecError) as info:
        parse_spec({"faults": [{"equip": BOX, "start": ONSET, **bad}]})
    assert [e["field"] for e in info.value.errors] == [f"faults.0.{field}"]


def test_a_reheat_valve_fault_targets_a_vav_only():
    from simulator_app.engine import SpecError

    with pytest.raises(SpecError) as info:
        parse_spec({"faults": [{**fault("reheat_valve_leaking"), "equip": AHU}]})
    assert [e["field"] for e in info.value.errors] == ["faults.0.equip"]


def test_the_valve_heat_closes_each_zone_energy_balance(monkeypatch):
    captured = []
    real = zones.simulate

    def spy(x, temp0, cs):
        result = real(x, temp0, cs)
        captured.append((x, result))
        return result

    monkeypatch.setattr(physics, "simulate", spy)
    spec = parse_spec({"data_quality": CLEAN, "faults": [
        fault("reheat_valve_stuck", magnitude=60),
        {**fault("reheat_valve_leaking", ramp_days=1), "equip": "vav-02-east"},
        {**fault("reheat_valve_stuck", magnitude=0), "equip": "vav-09-west"}]})
    generate(spec, None, *SPRING)
    ((x, r),) = captured
    temps = np.vstack([r.temp, r.end_temp[None, :]])
    floor_mean = temps[:-1].reshape(len(temps) - 1, -1, x.per_floor).sum(axis=2)
    floor = np.repeat(floor_mean, x.per_floor, axis=1)
    free = temps[:-1] * x.a + x.free1a + x.couple / x.per_floor * floor
    per_cfm = zones.AIR * x.g * (r.sat[:, x.zone_ahu] - temps[:-1])
    expected = free + r.flow * per_cfm + r.reheat * x.g  # the heat the coil really gave
    assert np.abs(expected - temps[1:]).max() < 1e-9
    # The faulty boxes' heat differs from their command; the healthy ones' does not.
    faulty = [i for i, key in enumerate(_zone_keys(spec))
              if key in (BOX, "vav-02-east", "vav-09-west")]
    assert len(faulty) == 3
    healthy = np.setdiff1d(np.arange(r.reheat.shape[1]), faulty)
    assert np.array_equal(r.reheat[:, healthy], r.reheat_cmd[:, healthy])
    for z in faulty:
        assert not np.allclose(r.reheat[:, z], r.reheat_cmd[:, z])
    on = r.ahu_on[:, x.zone_ahu]
    assert np.all(r.reheat[~on] == 0)


def _zone_keys(spec):
    from simulator_app.engine.layout import Layout

    return [z.key for z in Layout.of(spec).zones]


def test_reheat_valve_faults_generate_the_same_in_pieces_across_their_onset():
    spec = parse_spec({"faults": [  # data-quality effects on
        fault("reheat_valve_stuck", magnitude=70),
        {**fault("reheat_valve_leaking", ramp_days=1, severity=0.6), "equip": "vav-02-east"}]})
    start, end = SPRING
    whole, whole_state = generate(spec, None, start, end)
    cut = datetime.fromisoformat(ONSET) + timedelta(hours=5, minutes=15)
    first, state = generate(spec, None, start, cut)
    second, last_state = generate(spec, state.to_dict(), cut, end)
    pieces = np.concatenate([first.values, second.values])
    assert np.array_equal(whole.values, pieces, equal_nan=True)
    assert last_state.to_dict() == whole_state.to_dict()
    kinds = {(lb.fault, lb.entity) for lb in whole.labels}
    assert {("reheat_valve_stuck", BOX), ("reheat_valve_leaking", "vav-02-east")} <= kinds
