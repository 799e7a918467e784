import json

import numpy as np
import pytest

from simulator_app.engine import State, default_spec, generate, initial_state, parse_spec
from simulator_app.engine.clock import local_clock

from .conftest import utc

START, END = utc(2026, 3, 5), utc(2026, 3, 12)  # spans the DST change of 2026-03-08


def same(a, b):
    return (np.array_equal(a.ts, b.ts) and np.array_equal(a.values, b.values, equal_nan=True)
            and np.array_equal(a.status, b.status) and np.array_equal(a.present, b.present)
            and a.points == b.points)


def concat(parts):
    first = parts[0]
    return type(first)(
        ts=np.concatenate([p.ts for p in parts]), points=first.points, kinds=first.kinds,
        values=np.concatenate([p.values for p in parts]),
        status=np.concatenate([p.status for p in parts]),
        present=np.concatenate([p.present for p in parts]), labels=first.labels,
    )


def chunked(spec, start, splits, end, via_json=True):
    parts, state = [], None
    bounds = [start, *splits, end]
    for a, b in zip(bounds, bounds[1:]):
        batch, state = generate(spec, state, a, b)
        if via_json:  # what a tick stores in jsonb and the next tick reads back
            state = State.from_dict(json.loads(json.dumps(state.to_dict(), allow_nan=False)))
        parts.append(batch)
    return concat(parts), state


def test_same_inputs_give_identical_batches(spec):
    a, state_a = generate(spec, None, START, END)
    b, state_b = generate(spec, initial_state(spec), START, END)
    assert same(a, b) and a.labels == b.labels
    assert state_a.to_dict() == state_b.to_dict()


def test_a_different_seed_gives_different_noise_but_the_same_shape(spec):
    other = parse_spec({**spec.to_dict(), "seed": spec.seed + 1})
    a, _ = generate(spec, None, START, END)
    b, _ = generate(other, None, START, END)
    assert a.values.shape == b.values.shape
    assert not np.array_equal(a.values, b.values, equal_nan=True)


@pytest.mark.parametrize("splits", [
    [utc(2026, 3, 5, 0, 15)],                                       # after one interval
    [utc(2026, 3, 8, 6, 45), utc(2026, 3, 8, 7, 15)],               # around the DST switch
    [utc(2026, 3, 6), utc(2026, 3, 7, 13), utc(2026, 3, 11, 23, 45)],
])
def test_chunked_generation_equals_one_shot_exactly(spec, splits):
    whole, state = generate(spec, None, START, END)
    pieces, pieces_state = chunked(spec, START, splits, END)
    assert same(whole, pieces)
    assert pieces_state.to_dict() == state.to_dict()


def test_chunks_across_a_year_boundary_match(spec):
    start, end = utc(2026, 12, 30), utc(2027, 1, 2)
    whole, _ = generate(spec, None, start, end)
    pieces, _ = chunked(spec, start, [utc(2026, 12, 31, 23, 45), utc(2027, 1, 1, 5)], end)
    assert same(whole, pieces)


def test_a_new_years_day_observed_the_year_before_is_a_holiday_in_every_window(spec):
    # 2028-01-01 is a Saturday, observed on Friday 2027-12-31: a window that ends on that
    # Friday must see the holiday as one that runs into 2028 does.
    start, end = utc(2027, 12, 30), utc(2028, 1, 2)
    whole, _ = generate(spec, None, start, end)
    pieces, _ = chunked(spec, start, [utc(2027, 12, 31, 12)], end)
    assert same(whole, pieces)
    ts = np.arange(int(utc(2027, 12, 31, 15).timestamp()), int(utc(2027, 12, 31, 16).timestamp()),
                   900)
    assert local_clock(ts, spec.site.time_zone, spec.schedule.holidays).holiday.all()


def test_windows_longer_than_a_block_match_their_halves(spec):
    start, mid, end = utc(2026, 6, 1), utc(2026, 7, 9, 10, 30), utc(2026, 8, 15)
    whole, _ = generate(spec, None, start, end)
    pieces, _ = chunked(spec, start, [mid], end, via_json=False)
    assert same(whole, pieces)


def test_state_is_plain_json(spec):
    _, state = generate(spec, None, START, utc(2026, 3, 6))
    data = state.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert data["last_end"] == int(utc(2026, 3, 6).timestamp())
    assert set(data) >= {"totalizers", "zone_temps", "last_end"}
    assert "elec-meter.energy" in data["totalizers"]
    assert len(data["zone_temps"]) == 48
    assert State.from_dict(json.loads(text)).to_dict() == data


def test_the_next_window_must_start_where_the_state_ends(spec):
    _, state = generate(spec, None, START, utc(2026, 3, 6))
    with pytest.raises(ValueError, match="must start"):
        generate(spec, state, utc(2026, 3, 6, 1), utc(2026, 3, 7))


def test_windows_must_be_aligned_and_ordered(spec):
    with pytest.raises(ValueError, match="aligned"):
        generate(spec, None, utc(2026, 3, 5, 0, 7), END)
    with pytest.raises(ValueError, match="before"):
        generate(spec, None, END, START)
    with pytest.raises(ValueError, match="time zone"):
        generate(spec, None, START.replace(tzinfo=None), END)


def test_epoch_seconds_and_datetimes_are_the_same_window(spec):
    a, _ = generate(spec, None, START, utc(2026, 3, 6))
    b, _ = generate(spec, None, int(START.timestamp()), int(utc(2026, 3, 6).timestamp()))
    assert same(a, b)


def test_an_empty_window_is_an_empty_batch(spec):
    batch, state = generate(spec, None, START, START)
    assert batch.values.shape == (0, len(batch.points))
    assert state.last_end == int(START.timestamp())


def test_batch_matches_the_storage_contract(spec):
    batch, _ = generate(spec, None, START, utc(2026, 3, 6))
    T, P = 96, len(batch.points)
    assert batch.ts.dtype == np.int64 and batch.ts.shape == (T,)
    assert np.all(np.diff(batch.ts) == 900) and batch.ts[0] % 900 == 0
    assert batch.values.shape == (T, P) and batch.values.dtype == np.float64
    assert batch.status.dtype == np.uint8 and batch.present.dtype == bool
    assert np.isnan(batch.values[~batch.present]).all()
    assert np.isfinite(batch.values[batch.present]).all()
    bools = np.array([k == "Bool" for k in batch.kinds])
    flags = batch.values[:, bools][batch.present[:, bools]]
    assert set(np.unique(flags)) <= {0.0, 1.0}


def test_zones_a_spec_change_adds_start_settled_and_the_others_keep_their_temperature():
    small = default_spec().to_dict()
    small["site"]["floors"] = 9
    small["faults"] = []
    small_spec = parse_spec(small)
    _, state = generate(small_spec, initial_state(small_spec), utc(2026, 1, 5), utc(2026, 1, 6))
    big = {**small, "site": {**small["site"], "floors": 12}}
    big_spec = parse_spec(big)
    batch, after = generate(big_spec, state, utc(2026, 1, 6), utc(2026, 1, 6, 0, 15))
    kept = "vav-01-north"
    assert kept in state.zone_temps and "vav-12-north" not in state.zone_temps
    # The carried zone continues from its own temperature rather than a cold start.
    cold, _ = generate(big_spec, None, utc(2026, 1, 6), utc(2026, 1, 6, 0, 15))
    i = batch.points.index(f"{kept}.zone-temp")
    assert batch.values[0, i] != cold.values[0, i]
    assert "vav-12-north" in after.zone_temps
