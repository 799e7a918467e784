"""Data quality: noise, drift, stale runs and dropouts act on readings, not on physics."""

import numpy as np
import pytest

from simulator_app.engine import STATUSES, catalogue, generate, parse_spec

from .conftest import CLEAN, run, utc

STALE, FAULT = STATUSES.index("stale"), STATUSES.index("fault")


@pytest.fixture(scope="module")
def truth(spec):
    """The same March as `noisy_month` without noise, stale runs or dropouts. Sensor drift
    stays: a drifting sensor that feeds a control loop changes what the building does."""
    quiet = {k: v for k, v in CLEAN.items() if k != "drift_fraction"}
    return run(parse_spec({**spec.to_dict(), "data_quality": quiet}), utc(2026, 3, 1),
               utc(2026, 4, 1))


@pytest.fixture(scope="module")
def undrifted(spec):
    return run(parse_spec({**spec.to_dict(), "data_quality": CLEAN}), utc(2026, 3, 1),
               utc(2026, 4, 1))


def kinds_of(spec):
    cat = catalogue(spec)
    return {p.key: (p.quality, "hisTotalized" in p.tags) for p in cat.points}


def test_without_quality_effects_every_row_is_present_and_ok(undrifted):
    assert undrifted.batch.present.all()
    assert (undrifted.batch.status == 0).all()


def test_dropouts_remove_a_few_rows(noisy_month, spec):
    present = noisy_month.batch.present
    missing = 1 - present.mean()
    assert 0.0005 < missing < 0.01
    assert np.isnan(noisy_month.batch.values[~present]).all()


def test_a_communication_outage_takes_a_whole_equipment_offline(noisy_month):
    b = noisy_month.batch
    vav = [i for i, k in enumerate(b.points) if k.split(".")[0].startswith("vav-")]
    by_equip = {}
    for i in vav:
        by_equip.setdefault(b.points[i].split(".")[0], []).append(i)
    whole = [(~b.present[:, cols]).all(axis=1).sum() for cols in by_equip.values()]
    assert sum(whole) > 0


def test_noise_is_small_unbiased_and_never_frozen(noisy_month, truth):
    for key in ("weather.air-temp", "ahu-2.return-air-temp", "vav-05-west.zone-temp"):
        error = noisy_month(key) - truth(key)
        assert 0.05 < np.nanstd(error) < 0.5
    error = (noisy_month("weather.air-temp") - truth("weather.air-temp"))
    # The same time of day on consecutive days gets different noise (no frozen draws).
    same_time = error[:-96][::96], error[96:][::96]
    fine = ~np.isnan(same_time[0]) & ~np.isnan(same_time[1])
    assert np.mean(same_time[0][fine] != same_time[1][fine]) > 0.9


def test_commands_setpoints_and_totalizers_are_not_noisy(noisy_month, truth, spec):
    kinds = kinds_of(spec)
    for key, (quality, totalized) in kinds.items():
        if quality == "command" or totalized:
            a, b = noisy_month(key), truth(key)
            ok = ~np.isnan(a)
            assert np.array_equal(a[ok], b[ok]), key


def test_stale_rows_repeat_the_previous_reading(noisy_month):
    b = noisy_month.batch
    rows, cols = np.nonzero(b.status == STALE)
    assert len(rows) > 100
    rows, cols = rows[rows > 0], cols[rows > 0]
    values = np.nan_to_num(b.values, nan=-1e9)
    # A stale row holds what the sensor last said; a dropped row in between hides it.
    prev_present = b.present[rows - 1, cols]
    held = values[rows, cols] == values[rows - 1, cols]
    assert held[prev_present & b.present[rows, cols]].all()


def test_only_sensors_go_stale(noisy_month, spec):
    kinds = kinds_of(spec)
    stale_columns = np.nonzero(noisy_month.batch.status == STALE)[1]
    stale_points = {noisy_month.batch.points[c] for c in stale_columns}
    assert stale_points
    assert all(kinds[k][0] not in ("command", "totalizer") for k in stale_points)


def test_some_temperature_sensors_drift(truth, undrifted, spec):
    """Sensors that only report (weather, mixed and return air, water) read off by their
    drift; the rest read what the building does."""
    readers = [k for k, (q, _) in kinds_of(spec).items()
               if q in ("air_temp", "water_temp") and not k.endswith(("discharge-air-temp",
                                                                       "outside-air-temp"))]
    offsets = np.array([abs(np.mean(truth(k) - undrifted(k))) for k in readers])
    drifting = offsets > 0.05
    assert 0.03 < drifting.mean() < 0.5


def test_a_drifting_zone_sensor_moves_the_zone_not_its_reading(truth, undrifted, spec):
    from simulator_app.engine.model import compile_spec
    from simulator_app.engine.quality import drift

    model = compile_spec(spec)
    zones = model.control_sensors["zone"]
    offsets = drift(model.quality, truth.ts, zones)
    worst = int(np.argmax(np.abs(offsets).mean(axis=0)))
    key = model.keys[zones[worst]]
    hour, weekday, _ = truth.local()
    day = (weekday < 5) & (hour >= 10) & (hour < 16)
    size = abs(offsets[day, worst].mean())
    assert size > 0.2
    # The VAV holds the drifted reading near setpoint, so the reading moves far less ...
    assert abs(np.mean(truth(key)[day] - undrifted(key)[day])) < size / 2
    # ... while the airflow the zone gets does.
    flow = key.replace("zone-temp", "airflow")
    assert not np.array_equal(truth(flow), undrifted(flow))


def test_an_out_of_range_reading_is_flagged_and_held_at_the_rail():
    spec = parse_spec({"data_quality": CLEAN, "faults": [{
        "type": "sensor_bias", "equip": "vav-01-north", "point": "zone-temp",
        "start": "2026-03-02T00:00:00Z", "severity": 1.0, "magnitude": 80.0}]})
    batch, _ = generate(spec, None, utc(2026, 3, 1), utc(2026, 3, 3))
    i = batch.points.index("vav-01-north.zone-temp")
    late = batch.ts >= utc(2026, 3, 2).timestamp()
    assert (batch.status[late, i] == FAULT).all()
    assert (batch.values[late, i] == 120).all()
    assert (batch.status[~late, i] == 0).all()
