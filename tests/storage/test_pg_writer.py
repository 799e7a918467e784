import threading
import time

import numpy as np
import psycopg
import pytest
from psycopg import sql

from simulator_app.storage import DatabaseWriteError, PostgresValueDatabase, ValueRows

from .helpers import T0, dump, entity_ids, make_batch


@pytest.fixture
def db(pg_url):
    database = PostgresValueDatabase("main", pg_url, primary=True)
    yield database
    database.close()


def rows_of(batch, first=100):
    return ValueRows.from_batch(batch, entity_ids(len(batch.points), first))


def table(org_key, current=False):
    return sql.Identifier("core", f"values_{org_key}{'_current' if current else ''}")


def test_it_copies_a_new_range_and_leaves_identical_rows_when_written_twice(db, pg_conn,
                                                                         org_key):
    rows = rows_of(make_batch(n_points=5, n_intervals=10))

    first = db.write(org_key, rows)
    after_first = dump(pg_conn, org_key), dump(pg_conn, org_key, current=True)
    second = db.write(org_key, rows)

    assert (first.copied, first.upserted) == (50, 0)
    assert (second.copied, second.upserted) == (0, 50)
    assert (dump(pg_conn, org_key), dump(pg_conn, org_key, current=True)) == after_first
    assert len(after_first[0]) == 50 and len(after_first[1]) == 5


def test_it_writes_values_and_status_of_every_row(db, pg_conn, org_key):
    batch = make_batch(n_points=3, n_intervals=4, drop=[(2, 1)])
    db.write(org_key, rows_of(batch))

    stored = pg_conn.execute(sql.SQL(
        "SELECT entity_id, extract(epoch FROM ts)::int8, value_n::float8, value_b, status "
        "FROM {} ORDER BY entity_id, ts").format(table(org_key))).fetchall()

    assert len(stored) == 11
    for eid, epoch, value_n, value_b, status in stored:
        p, t = eid - 100, (epoch - T0) // 900
        assert batch.present[t, p]
        assert status == ("ok", "stale", "fault", "down")[batch.status[t, p]]
        if batch.kinds[p] == "Bool":
            assert value_n is None and value_b == bool(batch.values[t, p])
        else:
            assert value_n == batch.values[t, p] and value_b is None


def test_it_upserts_the_known_part_and_copies_the_new_part_of_an_overlapping_batch(
        db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=4, n_intervals=6)))
    overlapping = rows_of(make_batch(n_points=4, n_intervals=6, start=T0 + 900 * 3, seed=9))

    stats = db.write(org_key, overlapping)

    assert (stats.copied, stats.upserted) == (12, 12)
    stored = pg_conn.execute(sql.SQL(
        "SELECT value_n::float8 FROM {} WHERE ts >= to_timestamp(%s) AT TIME ZONE 'UTC' "
        "AND entity_id = 100 ORDER BY ts").format(table(org_key)),
        (T0 + 900 * 3,)).fetchall()
    assert [r[0] for r in stored] == overlapping.value_n[overlapping.entity_id == 100].tolist()


def test_it_keeps_the_current_table_at_the_newest_row_per_point(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=4, n_intervals=5)))
    newest = dump(pg_conn, org_key, current=True)
    # A late batch (older intervals, other values) and a replay of an older one.
    db.write(org_key, rows_of(make_batch(n_points=4, n_intervals=3, start=T0 - 900 * 3,
                                         seed=5)))
    db.write(org_key, rows_of(make_batch(n_points=4, n_intervals=2, seed=6)))

    assert dump(pg_conn, org_key, current=True) == newest
    newest_rows = pg_conn.execute(sql.SQL(
        "SELECT DISTINCT ON (entity_id) t::text FROM {} t ORDER BY entity_id, ts DESC")
        .format(table(org_key))).fetchall()
    current_rows = pg_conn.execute(sql.SQL(
        "SELECT (entity_id, ts, value_n, value_b, value_s, value_ts, status)::text FROM {} "
        "ORDER BY entity_id").format(table(org_key, current=True))).fetchall()
    assert current_rows == newest_rows


def test_it_moves_the_current_table_forward_with_newer_rows(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=2, n_intervals=2)))
    db.write(org_key, rows_of(make_batch(n_points=2, n_intervals=2, start=T0 + 1800, seed=3)))

    current_ts = pg_conn.execute(sql.SQL(
        "SELECT DISTINCT extract(epoch FROM ts)::int8 FROM {}").format(
        table(org_key, current=True))).fetchall()
    assert current_ts == [(T0 + 2700,)]


def test_it_preserves_value_dict_of_current_rows(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=1, n_intervals=1)))
    pg_conn.execute(sql.SQL("UPDATE {} SET value_dict = '{{\"a\": 1}}'").format(
        table(org_key, current=True)))

    db.write(org_key, rows_of(make_batch(n_points=1, n_intervals=1, start=T0 + 900)))

    assert pg_conn.execute(sql.SQL("SELECT value_dict FROM {}").format(
        table(org_key, current=True))).fetchone()[0] == {"a": 1}


def test_it_does_not_crash_on_duplicate_keys_within_a_batch(db, pg_conn, org_key):
    records = [{"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": float(i)}
               for i in range(3)]
    db.write(org_key, ValueRows.from_records(records))
    db.write(org_key, ValueRows.from_records(records[::-1]))  # now via the upsert path

    assert pg_conn.execute(sql.SQL("SELECT value_n::float8 FROM {}").format(
        table(org_key))).fetchall() == [(0.0,)]


def test_it_streams_a_large_batch_in_chunks_later_chunks_winning(pg_url, pg_conn, org_key):
    db = PostgresValueDatabase("main", pg_url, True, chunk_rows=100, upsert_chunk_rows=150)
    rows = rows_of(make_batch(n_points=20, n_intervals=50))
    repeat = ValueRows.from_batch(make_batch(n_points=20, n_intervals=5, seed=4), entity_ids(20))

    stats = db.write(org_key, iter([rows[:400], rows[400:], repeat]))
    db.close()

    assert stats.rows == 1000 + 100
    assert pg_conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        table(org_key))).fetchone()[0] == 1000
    first = pg_conn.execute(sql.SQL("SELECT value_n::float8 FROM {} WHERE entity_id = 100 "
                                    "ORDER BY ts LIMIT 1").format(table(org_key))).fetchone()
    assert first[0] == repeat.value_n[0]


def test_it_falls_back_to_upsert_when_a_concurrent_writer_filled_the_new_range(
        db, pg_url, pg_conn, org_key):
    db.ensure_tables(org_key)
    rows = rows_of(make_batch(n_points=3, n_intervals=4))
    other = psycopg.connect(pg_url)  # not autocommit: holds its insert uncommitted
    other.execute(sql.SQL("INSERT INTO {} (entity_id, ts, value_n, status) VALUES "
                          "(101, to_timestamp(%s) AT TIME ZONE 'UTC', -1, 'other')")
                  .format(table(org_key)), (T0 + 900,))
    result = {}
    writer = threading.Thread(target=lambda: result.update(stats=db.write(org_key, rows)))
    writer.start()
    _wait_until_blocked(pg_conn, other.info.backend_pid)
    other.commit()  # the writer's plain COPY now hits a unique violation
    writer.join(30)
    other.close()

    assert result["stats"].copied == 0 and result["stats"].upserted == 12
    stored = pg_conn.execute(sql.SQL("SELECT value_n::float8, status FROM {} WHERE "
                                     "entity_id = 101 ORDER BY ts").format(table(org_key)))
    expected = rows.value_n[rows.entity_id == 101].tolist()
    assert [r[0] for r in stored.fetchall()] == expected  # the batch won


def _wait_until_blocked(conn, blocker_pid):
    for _ in range(300):
        waiting = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE %s = ANY("
                               "pg_blocking_pids(pid))", (blocker_pid,)).fetchone()[0]
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the writer never blocked on the concurrent insert")


def test_a_failing_write_commits_nothing(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=3, n_intervals=2)))
    before = dump(pg_conn, org_key), dump(pg_conn, org_key, current=True)
    pg_conn.execute(sql.SQL(
        "CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.entity_id = 102 THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$; "
        "CREATE TRIGGER boom BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {fn}()"
    ).format(fn=sql.Identifier(f"boom_{org_key}"), t=table(org_key)))

    for start in (T0 + 1800, T0):  # a new range (COPY) and a rewrite (upsert)
        with pytest.raises(DatabaseWriteError, match="boom"):
            db.write(org_key, rows_of(make_batch(n_points=3, n_intervals=2, start=start,
                                                 seed=8)))

    assert (dump(pg_conn, org_key), dump(pg_conn, org_key, current=True)) == before


def test_it_deletes_every_row_of_the_given_entities_only(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=4, n_intervals=3)))

    deleted = db.delete_entities(org_key, [100, 102])

    assert deleted == 6
    for current in (False, True):
        assert {r[0] for r in pg_conn.execute(sql.SQL("SELECT DISTINCT entity_id FROM {}")
                                              .format(table(org_key, current)))} == {101, 103}


def test_it_reads_back_what_it_wrote(db, org_key):
    rows = rows_of(make_batch(n_points=3, n_intervals=4))
    db.write(org_key, rows)

    back = db.read_rows(org_key, entity_ids=[100, 101], start=(T0 + 900) * 1_000_000)

    expected = rows.dedupe()[(rows.entity_id <= 101) & (rows.ts >= (T0 + 900) * 1_000_000)]
    assert back.entity_id.tolist() == expected.entity_id.tolist()
    assert back.ts.tolist() == expected.ts.tolist()
    np.testing.assert_array_equal(back.value_n, expected.value_n)
    assert back.status_strings().tolist() == expected.status_strings().tolist()


def index_catalog(conn, org_key):
    return conn.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, "
        "(SELECT conname FROM pg_constraint WHERE conindid = i.indexrelid) "
        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass ORDER BY 1", (f"core.values_{org_key}",)).fetchall()


def hypertable(conn, org_key):
    """Is the org's values table a hypertable? Asserts it is one exactly where TimescaleDB is
    installed, so the bulk tests hold on both servers."""
    installed = conn.execute(
        "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone() is not None
    found = installed and conn.execute(
        "SELECT count(*) FROM timescaledb_information.hypertables WHERE "
        "hypertable_schema = 'core' AND hypertable_name = %s",
        (f"values_{org_key}",)).fetchone()[0] == 1
    assert found is installed
    return found


def test_a_bulk_load_into_an_empty_table_rebuilds_identical_indexes(db, pg_conn, org_key):
    db.ensure_tables(org_key)
    indexes = index_catalog(pg_conn, org_key)
    months = [rows_of(make_batch(n_points=5, n_intervals=20, start=T0 + 900 * 20 * i, seed=i))
              for i in range(3)]

    stats = db.write(org_key, iter(months), bulk=True)

    # On TimescaleDB the hypertable keeps its indexes (chunks are indexed as they fill).
    assert stats.bulk is not hypertable(pg_conn, org_key) and stats.copied == 300
    assert index_catalog(pg_conn, org_key) == indexes
    assert len(dump(pg_conn, org_key)) == 300 and len(dump(pg_conn, org_key, True)) == 5
    with pytest.raises(psycopg.errors.UniqueViolation):  # the primary key is back in force
        pg_conn.execute(sql.SQL("INSERT INTO {} (entity_id, ts) SELECT entity_id, ts FROM {} "
                                "LIMIT 1").format(table(org_key), table(org_key)))


def test_a_bulk_load_takes_the_normal_path_when_the_table_has_rows(db, pg_conn, org_key):
    db.write(org_key, rows_of(make_batch(n_points=2, n_intervals=2)))

    stats = db.write(org_key, rows_of(make_batch(n_points=2, n_intervals=2, start=T0 + 1800)),
                     bulk=True)

    assert not stats.bulk and stats.copied == 4
    assert len(dump(pg_conn, org_key)) == 8


def test_a_bulk_load_survives_chunks_out_of_time_order(db, pg_conn, org_key):
    late = rows_of(make_batch(n_points=2, n_intervals=4, start=T0 + 3600))
    early = rows_of(make_batch(n_points=2, n_intervals=6, start=T0, seed=2))

    stats = db.write(org_key, iter([late, early]), bulk=True)

    assert stats.bulk is not hypertable(pg_conn, org_key)
    assert len(dump(pg_conn, org_key)) == 2 * 6 + 2 * 2  # 2 intervals overlap
    assert len(index_catalog(pg_conn, org_key)) == 3


def test_an_unreachable_database_raises_a_write_error(org_key):
    db = PostgresValueDatabase("gone", "postgresql://postgres@127.0.0.1:1/none", True,
                               connect_timeout=2)
    with pytest.raises(DatabaseWriteError, match="gone"):
        db.write(org_key, rows_of(make_batch(n_points=1, n_intervals=1)))


def test_a_bulk_load_does_not_wait_behind_a_long_reader(db, pg_url, pg_conn, org_key):
    db.ensure_tables(org_key)
    reader = psycopg.connect(pg_url)  # an open transaction that has read the table
    reader.execute(sql.SQL("SELECT count(*) FROM {}").format(table(org_key)))

    stats = db.write(org_key, rows_of(make_batch(n_points=2, n_intervals=3)), bulk=True)
    reader.close()

    assert not stats.bulk and stats.copied == 6
    assert len(index_catalog(pg_conn, org_key)) == 3
