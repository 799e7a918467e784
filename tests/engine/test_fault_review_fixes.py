"""Review fixes of the fault library: effects stay per timestep (chunk invariance with faults
that combine), magnitudes are bounded at their field, overlapping frozen meters carry their
own values, and a shifted schedule moves optimal start with it."""

import json

import numpy as np
import pytest

from simulator_app.engine import SpecError, State, generate, parse_spec

from .conftest import CLEAN, Data, utc


def chunked(spec, start, splits, end):
    """Generate in pieces with the state through JSON, as ticks store it."""
    parts, state = [], None
    bounds = [start, *splits, end]
    for a, b in zip(bounds, bounds[1:]):
        batch, state = generate(spec, state, a, b)
        state = State.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))
        parts.append(batch)
    return parts, state


def assert_pieces_equal_whole(spec, start, splits, end):
    whole, whole_state = generate(spec, None, start, end)
    parts, state = chunked(spec, start, splits, end)
    values = np.concatenate([p.values for p in parts])
    assert np.array_equal(whole.values, values, equal_nan=True)
    assert np.array_equal(whole.ts, np.concatenate([p.ts for p in parts]))
    assert state.to_dict() == whole_state.to_dict()
    return Data(whole)


# H1: a fan failure on the AHU of a stuck damper


STUCK_AND_FAN = [
    {"type": "stuck_damper", "equip": "vav-05-south", "start": "2026-07-06T00:00:00Z",
     "severity": 1.0},
    {"type": "fan_failure", "equip": "ahu-2", "start": "2026-07-07T16:00:00Z",
     "end": "2026-07-07T20:00:00Z", "severity": 1.0},
]


def test_a_fan_failure_beside_a_stuck_damper_generates_the_same_in_pieces():
    spec = parse_spec({"data_quality": CLEAN, "faults": STUCK_AND_FAN})
    assert_pieces_equal_whole(spec, utc(2026, 7, 6), [utc(2026, 7, 7)], utc(2026, 7, 9))


def test_a_stuck_damper_passes_its_stuck_flow_while_its_fan_runs_and_none_when_it_failed():
    spec = parse_spec({"data_quality": CLEAN, "faults": STUCK_AND_FAN})
    data = Data(generate(spec, None, utc(2026, 7, 6), utc(2026, 7, 9))[0])
    flow = data("vav-05-south.airflow")
    run = data("ahu-2.fan-run") == 1
    failed = (data.ts >= 1783440000) & (data.ts < 1783440000 + 4 * 3600)  # 07-07 16:00Z
    # Away from the failure (the flow sensor lags), the box passes 10 % of 3000 cfm.
    settled = run & ((data.ts < 1783440000 - 3600) | (data.ts > 1783440000 + 6 * 3600))
    assert settled.sum() > 40
    assert np.allclose(flow[settled], 300.0, atol=1.0)
    assert np.allclose(data("vav-05-south.damper-feedback")[settled], 10.0, atol=0.5)
    assert (data("ahu-2.fan-run")[failed] == 0).all()
    assert flow[failed][-1] < 5.0


# H2: magnitudes out of any building's range are refused at their field


@pytest.mark.parametrize("kind, equip, extra, bad, bound", [
    ("schedule_misconfig", "ahu-1", {"mode": "shift"}, 1e9, "[-24, 24]"),
    ("schedule_misconfig", "ahu-1", {"mode": "shift"}, -25, "[-24, 24]"),
    ("setpoint_misconfig", "ahu-1", {}, 1e6, "[-20, 20]"),
    ("setpoint_misconfig", "vav-01-north", {"mode": "offset"}, -21, "[-20, 20]"),
    ("setpoint_misconfig", "ahu-1", {"mode": "deadband"}, 12, "(0, 10]"),
    ("setpoint_misconfig", "ahu-1", {"mode": "deadband"}, -1, "(0, 10]"),
    ("sensor_bias", "vav-01-north", {}, 101, "[-100, 100]"),
    ("sensor_bias", "ahu-1", {"point": "outside-air-temp"}, -1e4, "[-100, 100]"),
    ("simultaneous_heating_cooling", "ahu-1", {}, 61, "(0, 60]"),
    ("simultaneous_heating_cooling", "ahu-1", {}, -5, "(0, 60]"),
    ("duct_static_sensor", "ahu-1", {}, 6, "[-5, 5]"),
    ("duct_static_sensor", "ahu-1", {"mode": "stuck"}, 5.5, "[0, 5]"),
    ("duct_static_sensor", "ahu-1", {"mode": "stuck"}, -0.1, "[0, 5]"),
    ("meter_fault", "elec-meter", {"mode": "scale"}, 1e300, "(0, 10]"),
    ("meter_fault", "plug-meter", {"mode": "spike"}, 11, "(0, 10]"),
    ("meter_fault", "plug-meter", {"mode": "scale"}, -1, "(0, 10]"),
    ("coil_fouling", "ahu-1", {}, 1.5, "(0, 1]"),
    ("low_chw_delta_t", "chw-plant", {}, -0.2, "(0, 1]"),
    ("reheat_valve_stuck", "vav-01-north", {}, 101, "[0, 100]"),
    ("reheat_valve_leaking", "vav-01-north", {}, 1.2, "(0, 1]"),
])
def test_an_out_of_range_magnitude_is_refused_at_its_field_naming_the_bound(
        kind, equip, extra, bad, bound):
    f = {"type": kind, "equip": equip, "start": "2026-07-08T14:00:00Z", "magnitude": bad,
         **extra}
    with pytest.raises(SpecError) as info:
        parse_spec({"faults": [f]})
    (error,) = info.value.errors
    assert error["field"] == "faults.0.magnitude"
    assert bound in error["message"] and kind in error["message"]


@pytest.mark.parametrize("bad", [float("inf"), float("-inf"), float("nan")])
def test_an_infinite_or_nan_magnitude_is_refused_at_its_field(bad):
    f = {"type": "sensor_bias", "equip": "vav-01-north", "start": "2026-07-08T14:00:00Z",
         "magnitude": bad}
    with pytest.raises(SpecError) as info:
        parse_spec({"faults": [f]})
    assert [e["field"] for e in info.value.errors] == ["faults.0.magnitude"]
    assert "finite" in info.value.errors[0]["message"]


@pytest.mark.parametrize("kind, equip, extra, edge", [
    ("schedule_misconfig", "ahu-1", {"mode": "shift"}, -24),
    ("setpoint_misconfig", "ahu-1", {}, 20),
    ("sensor_bias", "vav-01-north", {}, -100),
    ("simultaneous_heating_cooling", "ahu-1", {}, 60),
    ("duct_static_sensor", "ahu-1", {"mode": "stuck"}, 5),
    ("meter_fault", "elec-meter", {"mode": "scale"}, 10),
    ("coil_fouling", "ahu-1", {}, 1),
    ("reheat_valve_stuck", "vav-01-north", {}, 0),
])
def test_a_magnitude_at_its_bound_generates(kind, equip, extra, edge):
    f = {"type": kind, "equip": equip, "start": "2026-07-06T14:00:00Z", "magnitude": edge,
         "severity": 1.0, **extra}
    spec = parse_spec({"data_quality": CLEAN, "faults": [f]})
    batch, _ = generate(spec, None, utc(2026, 7, 6), utc(2026, 7, 8))
    assert not np.isinf(batch.values).any()  # gaps are NaN; nothing ran off to infinity


# M1: two stuck-meter faults on one meter, overlapping


FROZEN_TWICE = [
    {"type": "meter_fault", "equip": "lighting-meter", "mode": "stuck",
     "start": "2026-07-06T15:00:00Z", "end": "2026-07-07T15:00:00Z"},
    {"type": "meter_fault", "equip": "lighting-meter", "mode": "stuck",
     "start": "2026-07-07T03:00:00Z", "end": "2026-07-08T03:00:00Z"},
]


def test_overlapping_frozen_meters_generate_the_same_in_pieces():
    spec = parse_spec({"faults": FROZEN_TWICE})  # data-quality effects on
    assert_pieces_equal_whole(spec, utc(2026, 7, 6), [utc(2026, 7, 6, 20), utc(2026, 7, 7, 9)],
                              utc(2026, 7, 9))


def test_the_earliest_frozen_value_holds_while_two_stuck_faults_overlap_then_the_later_one():
    faulty = Data(generate(parse_spec({"data_quality": CLEAN, "faults": FROZEN_TWICE}), None,
                           utc(2026, 7, 6), utc(2026, 7, 9))[0])
    healthy = Data(generate(parse_spec({"data_quality": CLEAN, "faults": []}), None,
                            utc(2026, 7, 6), utc(2026, 7, 9))[0])
    first, second, end = 1783350000, 1783393200, 1783479600  # 07-06 15Z, 07-07 03Z, 07-08 03Z
    power, true = faulty("lighting-meter.power"), healthy("lighting-meter.power")
    onset = lambda t: true[np.flatnonzero(faulty.ts == t)[0]]  # noqa
    assert onset(first) != onset(second)
    one = (faulty.ts >= first) & (faulty.ts < first + 86400)  # alone, then overlapped
    two = (faulty.ts >= first + 86400) & (faulty.ts < end)  # the later one alone
    assert np.allclose(power[one], onset(first), atol=0.01)
    assert np.allclose(power[two], onset(second), atol=0.01)
    assert np.array_equal(power[faulty.ts >= end], true[faulty.ts >= end])


# L1: a shifted schedule moves optimal start with it


def _morning_start(data, ahu, zone, day_start):
    """Epoch seconds at which the fan run that leads into the day's occupied mode began."""
    rows = np.flatnonzero((data.ts >= day_start) & (data.ts < day_start + 86400))
    occupied = data(f"{zone}.zone-cooling-sp")[rows] == 72
    i = rows[np.flatnonzero(occupied)[0]]
    cmd = data(f"{ahu}.fan-cmd")
    while cmd[i - 1] == 1:
        i -= 1
    return int(data.ts[i])


def test_a_schedule_shifted_two_hours_late_starts_its_air_handler_about_two_hours_later():
    f = {"type": "schedule_misconfig", "equip": "ahu-3", "start": "2026-01-12T00:00:00Z",
         "severity": 1.0, "mode": "shift", "magnitude": 2.0}
    start, end = utc(2026, 1, 12), utc(2026, 1, 17)  # winter: optimal start warms up
    faulty, healthy = (Data(generate(parse_spec({"data_quality": CLEAN, "faults": faults}),
                                     None, start, end)[0]) for faults in ([f], []))
    for day in (1, 2, 3):  # Tuesday to Thursday, New York midnight (EST)
        midnight = int(start.timestamp()) + day * 86400 + 5 * 3600
        early = _morning_start(healthy, "ahu-3", "vav-08-north", midnight)
        late = _morning_start(faulty, "ahu-3", "vav-08-north", midnight)
        assert early < midnight + 6 * 3600  # the healthy one starts ahead of 06:00
        assert 1.25 * 3600 <= late - early <= 2.75 * 3600
    # The air handlers on the true schedule start as before.
    assert np.array_equal(faulty("ahu-1.fan-cmd"), healthy("ahu-1.fan-cmd"))


# L2: a spec is immutable (compile_spec recognises one by identity)


def test_a_spec_refuses_changes_in_place_and_changes_by_copy():
    import pydantic

    spec = parse_spec({"faults": STUCK_AND_FAN})
    with pytest.raises(pydantic.ValidationError):
        spec.seed = 7
    with pytest.raises(pydantic.ValidationError):
        spec.faults[0].magnitude = 1e9
    with pytest.raises(pydantic.ValidationError):
        spec.setpoints.occupied_cooling_f = 75
    other = spec.model_copy(update={"seed": 7})
    assert (other.seed, spec.seed) == (7, 42)
