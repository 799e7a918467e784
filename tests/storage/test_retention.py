"""Retention of a values table: rows older than the cutoff go in bounded batches (or by a
TimescaleDB policy where the table is a hypertable); newer rows and `_current` never."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from simulator_app.storage import PostgresValueDatabase, SqliteValueDatabase, ValueRows, ddl
from simulator_app.storage.retention import apply_retention

from .helpers import T0, entity_ids, make_batch

# 96 intervals of 15 minutes (a day) from T0 for 6 points; "now" is 10 days after T0 + 12 h,
# so a 10-day retention keeps exactly the rows from T0 + 12 h on.
NOW = datetime.fromtimestamp(T0, timezone.utc) + timedelta(days=10, hours=12)
CUTOFF_US = (T0 + 12 * 3600) * 1_000_000


@pytest.fixture(params=["postgresql", "sqlite"])
def db(request, pg_url, tmp_path):
    if request.param == "postgresql":
        database = PostgresValueDatabase("main", pg_url, primary=True)
    else:
        database = SqliteValueDatabase("main", str(tmp_path / "values.sqlite3"), primary=True)
    yield database
    database.close()


def load_day(db, org_key):
    rows = ValueRows.from_batch(make_batch(n_points=6, n_intervals=96), entity_ids(6))
    db.write(org_key, rows)
    return db.read_rows(org_key), db.read_rows(org_key, current=True)


def is_hypertable(db, org_key):
    return db.kind == "postgresql" and db.run_in_transaction(
        lambda conn: ddl.timescaledb_available(conn) and conn.execute(
            "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = %s",
            (f"values_{org_key}",)).fetchone() is not None)


def test_it_drops_only_rows_older_than_the_cutoff_in_bounded_batches(db, org_key):
    before, current = load_day(db, org_key)
    if is_hypertable(db, org_key):  # TimescaleDB: a retention policy (its job drops chunks)
        outcome = apply_retention(db, org_key, 10, 0, now=NOW)
        assert outcome.method == "timescaledb"
        jobs = db.run_in_transaction(lambda conn: conn.execute(
            "SELECT config ->> 'drop_after' FROM timescaledb_information.jobs WHERE"
            " proc_name = 'policy_retention' AND hypertable_name = %s",
            (f"values_{org_key}",)).fetchall())
        assert len(jobs) == 1
        return
    outcome = apply_retention(db, org_key, 10, 0, now=NOW, batch_rows=50, max_batches=100)
    old = before.ts < CUTOFF_US
    assert old.sum() == 6 * 48
    assert (outcome.method, outcome.deleted, outcome.complete) == ("batched_delete", 288, True)
    assert outcome.batches == 288 // 50 + 1  # bounded: no batch deletes more than 50 rows
    after = db.read_rows(org_key)
    assert len(after) == len(before) - 288
    assert after.ts.min() == CUTOFF_US  # the row exactly at the cutoff is kept
    kept = before[~old]
    assert np.array_equal(after.entity_id, kept.entity_id) and np.array_equal(after.ts, kept.ts)
    assert np.array_equal(after.value_n, kept.value_n, equal_nan=True)
    now_current = db.read_rows(org_key, current=True)
    assert np.array_equal(now_current.ts, current.ts)  # _current untouched


def test_a_backlog_beyond_the_batch_limit_is_left_for_the_next_run(db, org_key):
    before, _ = load_day(db, org_key)
    if is_hypertable(db, org_key):  # trimmed by TimescaleDB's own job, not in batches
        assert apply_retention(db, org_key, 10, 0, now=NOW, max_batches=3).method == "timescaledb"
        return
    first = apply_retention(db, org_key, 10, 0, now=NOW, batch_rows=40, max_batches=3)
    assert (first.deleted, first.batches, first.complete) == (120, 3, False)
    assert len(db.read_rows(org_key)) == len(before) - 120
    second = apply_retention(db, org_key, 10, 0, now=NOW, batch_rows=40, max_batches=100)
    assert (second.deleted, second.complete) == (168, True)
    assert db.read_rows(org_key).ts.min() == CUTOFF_US


def test_zero_days_keeps_everything(db, org_key):
    before, _ = load_day(db, org_key)
    outcome = apply_retention(db, org_key, 0, 0, now=NOW + timedelta(days=3650))
    assert outcome.deleted == 0
    assert outcome.method in ("keep_forever", "timescaledb")
    assert len(db.read_rows(org_key)) == len(before)


def test_an_org_without_tables_is_reported_not_created(db, org_key):
    outcome = apply_retention(db, org_key, 1, 0, now=NOW)
    assert outcome.method == "no_table" and outcome.deleted == 0
    if db.kind == "postgresql":
        assert db.run_in_transaction(lambda conn: conn.execute(
            "SELECT to_regclass(%s)", (f"core.values_{org_key}",)).fetchone()[0]) is None


def test_bad_bounds_are_refused(db, org_key):
    with pytest.raises(ValueError):
        apply_retention(db, org_key, 1, 0, batch_rows=0)
    with pytest.raises(ValueError):
        apply_retention(db, "Bad-Key", 1, 0)


def test_timescaledb_policies_follow_the_org_setting(pg_url, org_key):
    """Where TimescaleDB is installed: compression segmented by entity_id and a retention job,
    reset when the days change, removed at 0. Without it: batched deletes (asserted above)."""
    db = PostgresValueDatabase("main", pg_url, primary=True)
    try:
        load_day(db, org_key)
        if not is_hypertable(db, org_key):
            outcome = apply_retention(db, org_key, 30, 7, now=NOW)
            assert outcome.method == "batched_delete" and outcome.compression is None
            return

        def jobs(conn):
            return dict(conn.execute(
                "SELECT proc_name, coalesce(config ->> 'drop_after', config ->> 'compress_after')"
                " FROM timescaledb_information.jobs WHERE hypertable_name = %s",
                (f"values_{org_key}",)).fetchall())

        assert apply_retention(db, org_key, 30, 7, now=NOW).compression == "policy 7 days"
        assert set(db.run_in_transaction(jobs)) == {"policy_compression", "policy_retention"}
        def segmentby(conn):
            enabled = conn.execute(
                "SELECT compression_enabled FROM timescaledb_information.hypertables"
                " WHERE hypertable_name = %s", (f"values_{org_key}",)).fetchone()[0]
            try:  # the view's name and shape changed across TimescaleDB 2.x releases
                with conn.transaction():
                    row = conn.execute(
                        "SELECT segmentby FROM timescaledb_information."
                        "hypertable_compression_settings WHERE hypertable = %s::regclass",
                        (f"core.values_{org_key}",)).fetchone()
            except Exception:
                row = conn.execute(
                    "SELECT attname FROM timescaledb_information.compression_settings WHERE"
                    " hypertable_name = %s AND segmentby_column_index = 1",
                    (f"values_{org_key}",)).fetchone()
            return enabled, str(row[0]) if row else ""

        enabled, segments = db.run_in_transaction(segmentby)
        assert enabled and "entity_id" in segments
        apply_retention(db, org_key, 60, 0, now=NOW)
        assert set(db.run_in_transaction(jobs)) == {"policy_retention"}
        apply_retention(db, org_key, 0, 0, now=NOW)
        assert db.run_in_transaction(jobs) == {}
    finally:
        db.close()

