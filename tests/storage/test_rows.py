from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from simulator_app.engine.batch import STATUSES
from simulator_app.storage import InvalidRowsError, ValueRows
from simulator_app.storage.rows import to_epoch_us

from .helpers import T0, entity_ids, make_batch


def test_it_turns_a_batch_into_one_row_per_present_value():
    batch = make_batch(n_points=4, n_intervals=5, drop=[(1, 0), (3, 2)])
    rows = ValueRows.from_batch(batch, entity_ids(4))

    assert len(rows) == 4 * 5 - 2 == batch.row_count
    for eid, ts, vn, vb, st in zip(rows.entity_id, rows.ts, rows.value_n, rows.value_b,
                                   rows.status):
        p, t = eid - 100, (ts // 1_000_000 - T0) // 900
        assert batch.present[t, p]
        if batch.kinds[p] == "Bool":
            assert np.isnan(vn) and vb == int(batch.values[t, p])
        else:
            assert vn == batch.values[t, p] and vb == -1
        assert rows.status_names[st] == STATUSES[batch.status[t, p]]


def test_it_orders_batch_rows_point_major_with_time_ascending():
    rows = ValueRows.from_batch(make_batch(n_points=3, n_intervals=4), entity_ids(3))

    assert rows.entity_id.tolist() == [100] * 4 + [101] * 4 + [102] * 4
    assert rows.ts.tolist() == [(T0 + 900 * i) * 1_000_000 for i in range(4)] * 3
    assert rows.unique_keys


def test_it_rejects_entity_ids_not_aligned_with_the_points():
    with pytest.raises(InvalidRowsError, match="3 entity ids for 4 batch points"):
        ValueRows.from_batch(make_batch(n_points=4), entity_ids(3))


def test_it_does_not_trust_batches_with_repeated_entity_ids():
    rows = ValueRows.from_batch(make_batch(n_points=2), np.array([7, 7]))

    assert not rows.unique_keys
    assert len(rows.dedupe()) == len(rows) // 2


def test_it_reads_records_with_iso_strings_offsets_and_naive_datetimes_as_utc():
    rows = ValueRows.from_records([
        {"ts": "2024-01-01T00:15:00Z", "entity_id": 1, "value_n": 1.5},
        {"ts": "2024-01-01T02:15:00+02:00", "entity_id": 2, "value_b": True},
        {"ts": datetime(2024, 1, 1, 0, 15), "entity_id": 3, "value_s": "on",
         "value_ts": "2023-12-31T23:00:00Z", "status": "ok"},
        {"ts": datetime(2024, 1, 1, 1, 15, tzinfo=timezone(timedelta(hours=1))),
         "entity_id": 4, "status": "remote-fault"},
    ])

    expected = to_epoch_us(datetime(2024, 1, 1, 0, 15, tzinfo=timezone.utc))
    assert rows.ts.tolist() == [expected] * 4
    assert rows.value_b.tolist() == [-1, 1, -1, -1]
    assert rows.value_s.tolist() == [None, None, "on", None]
    assert str(rows.value_ts[2]) == "2023-12-31T23:00:00.000000"
    assert np.isnat(rows.value_ts[0])
    assert rows.status_strings().tolist() == [None, None, "ok", "remote-fault"]


@pytest.mark.parametrize("record, message", [
    ({"ts": "2024-01-01T00:00:00Z", "entity_id": "7"}, "entity_id"),
    ({"entity_id": 7}, "ts is required"),
    ({"ts": "yesterday", "entity_id": 7}, "ISO 8601"),
    ({"ts": "2024-01-01T00:00:00Z", "entity_id": 7, "value_n": "12"}, "value_n"),
    ({"ts": "2024-01-01T00:00:00Z", "entity_id": 7, "value_n": float("inf")}, "value_n"),
    ({"ts": "2024-01-01T00:00:00Z", "entity_id": 7, "value_b": 1}, "value_b"),
    ({"ts": "2024-01-01T00:00:00Z", "entity_id": 2**31}, "int4"),
])
def test_it_rejects_bad_records_naming_the_record(record, message):
    good = {"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": 1.0}
    with pytest.raises(InvalidRowsError, match=message) as info:
        ValueRows.from_records([good, record])
    if message != "int4":
        assert "record 1" in str(info.value)


def test_it_keeps_the_last_of_duplicate_keys():
    rows = ValueRows.from_records([
        {"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": 1.0},
        {"ts": "2024-01-01T00:15:00Z", "entity_id": 1, "value_n": 2.0},
        {"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": 3.0},
    ])

    deduped = rows.dedupe()

    assert len(deduped) == 2
    assert deduped.value_n.tolist() == [3.0, 2.0]
    assert deduped.unique_keys


def test_it_slices_by_time_range_and_in_bounded_chunks():
    rows = ValueRows.from_batch(make_batch(n_points=3, n_intervals=10), entity_ids(3))
    start, end = datetime.fromtimestamp(T0 + 900 * 2, timezone.utc), T0 + 900 * 5

    window = rows.between(start, end * 1_000_000)
    chunks = list(rows.chunks(7))

    assert len(window) == 3 * 3
    assert set((window.ts // 1_000_000 - T0) // 900) == {2, 3, 4}
    assert [len(c) for c in chunks] == [7, 7, 7, 7, 2]
    assert ValueRows.concat(chunks).entity_id.tolist() == rows.entity_id.tolist()


def test_it_concatenates_rows_with_different_status_names():
    a = ValueRows.from_records([{"ts": T0 * 1_000_000, "entity_id": 1, "status": "fault"}])
    b = ValueRows.from_records([{"ts": T0 * 1_000_000, "entity_id": 2, "status": "odd"},
                                {"ts": T0 * 1_000_000, "entity_id": 3, "value_s": "x"}])

    both = ValueRows.concat([a, b])

    assert both.status_strings().tolist() == ["fault", "odd", None]
    assert both.value_s.tolist() == [None, None, "x"]


def test_it_round_trips_through_records():
    rows = ValueRows.from_batch(make_batch(n_points=3, n_intervals=2), entity_ids(3))

    again = ValueRows.from_records(rows.to_records())

    assert again.entity_id.tolist() == rows.entity_id.tolist()
    assert again.ts.tolist() == rows.ts.tolist()
    np.testing.assert_array_equal(again.value_n, rows.value_n)
    assert again.value_b.tolist() == rows.value_b.tolist()
    assert again.status_strings().tolist() == rows.status_strings().tolist()
