"""Every injected data-quality anomaly is labelled like a fault (kind, point, start, end,
magnitude), its points change from its onset and not before, and nothing is degraded
without a label."""

from datetime import timedelta

import numpy as np
import pytest

from simulator_app.engine import STATUSES, generate, labels, parse_spec

from .conftest import CLEAN, utc

STALE = STATUSES.index("stale")
START, END = utc(2026, 3, 2), utc(2026, 3, 9)


def only(**quality):
    """The default building with every data-quality effect off but the given ones."""
    return parse_spec({"data_quality": {**CLEAN, "noise_scale": 0, **quality}, "faults": []})


def window(spec, start=START, end=END):
    _, state = generate(spec, None, start - timedelta(days=1), start)  # warm: held readings
    batch, _ = generate(spec, state, start, end)
    return batch


def rows_of(batch, label):
    t = batch.ts
    return np.flatnonzero((t >= label.start) & (t < label.end))


@pytest.fixture(scope="module")
def stale():
    spec = only(stale_rate=0.003)
    return spec, window(spec), window(only())


def test_stale_runs_are_labelled_and_repeat_the_reading_from_their_onset_only(stale):
    spec, batch, truth = stale
    found = [lb for lb in batch.labels if lb.fault == "stale"]
    assert len(found) > 100
    col = {k: i for i, k in enumerate(batch.points)}
    covered = np.zeros_like(batch.status, bool)
    for lb in found:
        j = col[lb.point]
        assert lb.entity == lb.point and lb.magnitude == (lb.end - lb.start) / 900
        rows = rows_of(batch, lb)
        covered[rows, j] = True
        if not len(rows) or rows[0] == 0:
            continue
        before = rows[0] - 1
        assert batch.status[before, j] != STALE  # not before its onset
        assert (batch.status[rows, j] == STALE).all()  # from its onset
        assert (batch.values[rows, j] == batch.values[before, j]).all()
        assert batch.values[before, j] == truth.values[before, j]
    # Nothing is stale without a label.
    assert np.array_equal(covered, batch.status == STALE)


def test_dropouts_and_outages_are_labelled_and_nothing_goes_missing_without_a_label():
    spec = only(dropout_rate=0.001, outage_rate=0.0005)
    batch = window(spec)
    col = {k: i for i, k in enumerate(batch.points)}
    by_equip = {}
    for k, i in col.items():
        by_equip.setdefault(k.split(".")[0], []).append(i)
    covered = np.zeros_like(batch.present)
    drops = [lb for lb in batch.labels if lb.fault == "dropout"]
    outages = [lb for lb in batch.labels if lb.fault == "outage"]
    assert len(drops) > 100 and len(outages) > 3
    for lb in drops:
        rows = rows_of(batch, lb)
        assert not batch.present[rows, col[lb.point]].any()
        covered[rows, col[lb.point]] = True
    for lb in outages:
        assert lb.point is None and lb.entity in by_equip
        rows, cols = rows_of(batch, lb), by_equip[lb.entity]
        assert not batch.present[np.ix_(rows, cols)].any()  # the whole equipment is offline
        if len(rows) and rows[0] > 0:
            assert batch.present[rows[0] - 1, cols].any()  # and was not just before
        covered[np.ix_(rows, cols)] = True
    assert np.array_equal(covered, ~batch.present)


def test_a_drifting_sensor_is_labelled_from_its_recalibration_and_drifts_from_there():
    spec = only(drift_fraction=1.0)
    year = labels(spec, utc(2026, 1, 1), utc(2027, 1, 1))
    drift = [lb for lb in year if lb.fault == "drift"]
    assert drift and all(lb.point == lb.entity and lb.magnitude for lb in drift)
    # The strongest weather sensor whose onset (a recalibration) falls inside 2026: the
    # weather does not depend on the building, whose loops also read drifting sensors.
    lb = max((lb for lb in drift if lb.start >= utc(2026, 1, 2).timestamp()
              and lb.point.startswith("weather.")), key=lambda lb: abs(lb.magnitude))
    assert abs(lb.magnitude) > 0.3
    onset = utc(1970, 1, 1) + timedelta(seconds=lb.start)
    batch = window(spec, onset - timedelta(days=1), onset + timedelta(days=1))
    truth = window(only(), onset - timedelta(days=1), onset + timedelta(days=1))
    j = batch.points.index(lb.point)
    error = batch.values[:, j] - truth.values[:, j]
    at = int(np.flatnonzero(batch.ts == lb.start)[0])
    # At the onset the sensor is recalibrated (the last episode's year of drift is gone) and
    # starts drifting again; before it the reading moved smoothly.
    assert error[at - 1] - error[at] == pytest.approx(lb.magnitude, abs=0.11)  # 0.1 %RH steps
    steps = np.abs(np.diff(error))
    assert np.delete(steps, at - 1).max() < 0.11
    assert lb.end - lb.start == pytest.approx(365 * 86400, abs=900)


def test_anomaly_labels_do_not_depend_on_how_the_window_is_cut():
    spec = parse_spec({})
    a, b, c = utc(2026, 3, 1), utc(2026, 3, 4, 6, 45), utc(2026, 3, 8)
    whole = labels(spec, a, c)
    assert set(whole) == set(labels(spec, a, b)) | set(labels(spec, b, c))
    batch, _ = generate(spec, None, a, c)
    assert batch.labels == whole
