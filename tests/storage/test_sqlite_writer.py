import sqlite3

import numpy as np
import pytest

from simulator_app.storage import DatabaseWriteError, ValueRows, open_value_database

from .helpers import T0, entity_ids, make_batch


@pytest.fixture
def db(tmp_path):
    database = open_value_database("embedded", f"sqlite:///{tmp_path / 'values.sqlite3'}",
                                   primary=True)
    yield database
    database.close()


def rows_of(batch):
    return ValueRows.from_batch(batch, entity_ids(len(batch.points)))


def dump(db, current=False):
    table = "values_demo_current" if current else "values_demo"
    return db.connection().execute(f"SELECT * FROM {table} ORDER BY entity_id, ts").fetchall()


def test_it_writes_rows_with_utc_text_timestamps_and_status(db):
    db.write("demo", ValueRows.from_records([
        {"ts": "2024-01-01T00:15:00Z", "entity_id": 1, "value_n": 21.25, "status": "ok"},
        {"ts": "2024-01-01T00:15:00.5Z", "entity_id": 2, "value_b": False, "status": "stale",
         "value_s": "x", "value_ts": "2023-01-01T00:00:00Z"},
    ]))

    assert dump(db) == [
        (1, "2024-01-01 00:15:00", 21.25, None, None, None, "ok"),
        (2, "2024-01-01 00:15:00.500000", None, 0, "x", "2023-01-01 00:00:00", "stale"),
    ]


def test_it_leaves_identical_rows_when_a_batch_is_written_twice(db):
    rows = rows_of(make_batch(n_points=4, n_intervals=6))
    db.write("demo", rows)
    first = dump(db), dump(db, current=True)

    db.write("demo", rows)

    assert (dump(db), dump(db, current=True)) == first
    assert len(first[0]) == 24 and len(first[1]) == 4


def test_it_never_moves_the_current_table_backwards(db):
    db.write("demo", rows_of(make_batch(n_points=3, n_intervals=4)))
    newest = dump(db, current=True)

    db.write("demo", rows_of(make_batch(n_points=3, n_intervals=2, start=T0 - 1800, seed=3)))
    # Rewrites every interval of point 100, its newest one included, with other values.
    db.write("demo", rows_of(make_batch(n_points=3, n_intervals=4, seed=4))[:6])

    assert [r[1] for r in dump(db, current=True)] == [r[1] for r in newest]  # same ts
    assert dump(db, current=True)[0] != newest[0] and dump(db, current=True)[1:] == newest[1:]
    newest_rows = db.connection().execute(
        "SELECT v.* FROM values_demo v WHERE ts = (SELECT max(ts) FROM values_demo w "
        "WHERE w.entity_id = v.entity_id) ORDER BY entity_id").fetchall()
    assert [r[:7] for r in dump(db, current=True)] == newest_rows


def test_it_keeps_the_last_of_duplicate_keys(db):
    db.write("demo", ValueRows.from_records(
        [{"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": float(i)} for i in range(3)]))

    assert [r[2] for r in dump(db)] == [2.0]


def test_it_reads_back_and_deletes_entities(db):
    rows = rows_of(make_batch(n_points=3, n_intervals=3))
    db.write("demo", rows)

    back = db.read_rows("demo")
    db.delete_entities("demo", [101])

    assert back.ts.tolist() == rows.ts.tolist()
    np.testing.assert_array_equal(back.value_n, rows.value_n)
    assert {r[0] for r in dump(db)} == {100, 102} and {r[0] for r in dump(db, True)} == {100, 102}


def test_a_failing_write_commits_nothing(db):
    db.write("demo", rows_of(make_batch(n_points=2, n_intervals=2)))
    before = dump(db), dump(db, current=True)
    db.connection().execute(
        "CREATE TRIGGER boom BEFORE INSERT ON values_demo WHEN NEW.entity_id = 101 "
        "BEGIN SELECT RAISE(ABORT, 'boom'); END")

    with pytest.raises(DatabaseWriteError, match="boom"):
        db.write("demo", rows_of(make_batch(n_points=2, n_intervals=2, start=T0 + 1800)))

    assert (dump(db), dump(db, current=True)) == before


def test_it_waits_for_a_concurrent_writer_instead_of_corrupting(tmp_path):
    path = tmp_path / "busy.sqlite3"
    db = open_value_database("embedded", f"sqlite:///{path}", True, timeout=0.2)
    db.ensure_tables("demo")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")

    with pytest.raises(DatabaseWriteError, match="locked"):
        db.write("demo", rows_of(make_batch(n_points=1, n_intervals=1)))
    blocker.execute("ROLLBACK")
    db.write("demo", rows_of(make_batch(n_points=1, n_intervals=1)))

    assert len(db.read_rows("demo")) == 1
    db.close()
