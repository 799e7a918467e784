"""Several value databases: the primary decides, secondaries catch up to exact equality."""

import psycopg
import pytest
from psycopg import sql

from simulator_app.storage import (
    MultiDatabaseWriter,
    PrimaryDatabaseError,
    ValueRows,
    open_value_database,
)

from .helpers import T0, dump, entity_ids, make_batch

ORG = "plant"


@pytest.fixture
def pair(scratch):
    """(primary name, url), (secondary name, url): two fresh databases."""
    return scratch.create(), scratch.create()


def writer(pair, **options):
    # probe_after_s=0: every write may try a failed secondary again (its circuit breaker is
    # covered by test_secondary_breaker.py)
    options.setdefault("probe_after_s", 0)
    (_, primary_url), (_, secondary_url) = pair
    return MultiDatabaseWriter([
        open_value_database("main", primary_url, primary=True, connect_timeout=3),
        open_value_database("replica", secondary_url, connect_timeout=3),
    ], **options)


def month(i, n_points=6, n_intervals=24, seed=None):
    batch = make_batch(n_points=n_points, n_intervals=n_intervals,
                       start=T0 + 900 * n_intervals * i, seed=i if seed is None else seed)
    return ValueRows.from_batch(batch, entity_ids(n_points))


def tables(url):
    """Both value tables of ORG as text rows (empty lists if they do not exist yet)."""
    with psycopg.connect(url) as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (f"core.values_{ORG}",)).fetchone()[0]
        if exists is None:
            return [], []
        return dump(conn, ORG), dump(conn, ORG, current=True)


def status_of(w, key):
    return next(s for s in w.status() if s["key"] == key)


def sync_rows(url):
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('core.hsim_value_sync')").fetchone()[0] is None:
            return []
        return conn.execute("SELECT * FROM core.hsim_value_sync ORDER BY 1, 2").fetchall()


def test_it_writes_every_batch_to_every_database(pair):
    w = writer(pair)
    report = w.write(ORG, month(0))

    assert report.ok and report.rows == 144
    assert [(o.key, o.rows_written) for o in report.outcomes] == [("main", 144),
                                                                  ("replica", 144)]
    assert tables(pair[0][1]) == tables(pair[1][1]) != ([], [])
    assert [s["status"] for s in w.status()] == ["ok", "ok"]
    w.close()


def test_an_unreachable_secondary_catches_up_to_exact_equality(scratch, pair):
    (_, primary_url), (secondary, secondary_url) = pair
    w = writer(pair, catch_up_rows=50)  # several bounded chunks per catch-up
    w.write(ORG, month(0))
    scratch.make_unavailable(secondary)

    down = [w.write(ORG, month(1)), w.write(ORG, month(2)),
            w.write(ORG, month(0, seed=7))]  # a rewrite of older rows while it is down

    assert all(r.outcomes[0].ok and not r.outcomes[1].ok for r in down)
    lagging = status_of(w, "replica")
    assert lagging["status"] == "error" and lagging["lag_seconds"] > 0
    assert "not currently accepting connections" in lagging["last_error"]
    assert lagging["pending_from"].timestamp() == T0  # the oldest row it misses
    assert status_of(w, "main")["status"] == "ok"
    assert len(tables(primary_url)[0]) == 3 * 144

    scratch.make_available(secondary)
    report = w.write(ORG, month(3))

    assert report.ok and report.outcomes[1].caught_up_rows == 4 * 144
    assert tables(secondary_url) == tables(primary_url)
    recovered = status_of(w, "replica")
    assert (recovered["status"], recovered["lag_seconds"], recovered["pending_from"]) == \
        ("ok", 0.0, None)
    assert recovered["last_error_at"] is not None  # history stays readable
    w.close()


def test_a_closed_port_secondary_does_not_fail_the_primary(pair):
    (_, primary_url), _ = pair
    w = MultiDatabaseWriter([
        open_value_database("main", primary_url, primary=True),
        open_value_database("nowhere", "postgresql://postgres@127.0.0.1:1/x", connect_timeout=2),
    ])

    report = w.write(ORG, month(0))

    assert report.outcomes[0].ok and not report.outcomes[1].ok
    assert len(tables(primary_url)[0]) == 144
    assert status_of(w, "nowhere")["status"] == "error"
    w.close()


def test_catch_up_state_survives_the_writer_process(scratch, pair):
    (_, primary_url), (secondary, secondary_url) = pair
    first = writer(pair)
    first.write(ORG, month(0))
    scratch.make_unavailable(secondary)
    first.write(ORG, month(1))
    first.close()
    scratch.make_available(secondary)

    second = writer(pair)  # a new process: only the state table remembers
    assert status_of(second, "replica")["status"] == "error"
    outcomes = second.catch_up(ORG)

    assert [o.ok for o in outcomes] == [True]
    assert tables(secondary_url) == tables(primary_url)
    assert status_of(second, "replica")["status"] == "ok"
    second.close()


def test_a_failing_primary_raises_and_changes_nothing(scratch, pair):
    (primary, primary_url), (_, secondary_url) = pair
    w = writer(pair)
    w.write(ORG, month(0))
    before = tables(primary_url), tables(secondary_url), sync_rows(primary_url)
    scratch.make_unavailable(primary)

    with pytest.raises(PrimaryDatabaseError) as info:
        w.write(ORG, month(1))

    assert info.value.db_key == "main"
    assert status_of(w, "main")["status"] == "error"
    scratch.make_available(primary)
    assert (tables(primary_url), tables(secondary_url), sync_rows(primary_url)) == before
    w.close()


def test_a_primary_failing_mid_batch_rolls_back_everything(pair):
    (_, primary_url), (_, secondary_url) = pair
    w = writer(pair)
    w.write(ORG, month(0))
    before = tables(primary_url), tables(secondary_url), sync_rows(primary_url)
    with psycopg.connect(primary_url, autocommit=True) as conn:
        conn.execute(sql.SQL(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.entity_id = 104 THEN RAISE EXCEPTION 'disk on fire'; END IF; "
            "RETURN NEW; END $$; CREATE TRIGGER boom BEFORE INSERT ON {} FOR EACH ROW "
            "EXECUTE FUNCTION boom()").format(sql.Identifier("core", f"values_{ORG}")))

    with pytest.raises(PrimaryDatabaseError, match="disk on fire"):
        w.write(ORG, month(1))

    assert (tables(primary_url), tables(secondary_url), sync_rows(primary_url)) == before
    w.close()


def test_deletions_reach_a_secondary_that_was_down(scratch, pair):
    (_, primary_url), (secondary, secondary_url) = pair
    w = writer(pair)
    w.write(ORG, month(0))
    scratch.make_unavailable(secondary)

    report = w.delete_entities(ORG, [101, 103])
    scratch.make_available(secondary)
    w.write(ORG, month(1))

    assert not report.outcomes[1].ok
    assert tables(secondary_url) == tables(primary_url)
    # month 0 without the deleted entities, then all of month 1
    assert len(tables(secondary_url)[0]) == 4 * 24 + 6 * 24
    w.close()


def test_a_streamed_batch_reaches_the_secondary_from_the_primary(pair):
    (_, primary_url), (_, secondary_url) = pair
    w = writer(pair, catch_up_rows=100)

    report = w.write(ORG, iter([month(0), month(1), month(2)]), bulk=True)

    assert report.ok and report.rows == 3 * 144
    assert report.outcomes[1].caught_up_rows == 3 * 144
    assert tables(secondary_url) == tables(primary_url)
    w.close()


def test_a_new_secondary_can_be_resynced_from_the_beginning(pair):
    (_, primary_url), (_, secondary_url) = pair
    alone = MultiDatabaseWriter([open_value_database("main", primary_url, primary=True)])
    alone.write(ORG, month(0))
    alone.write(ORG, month(1))
    alone.close()

    w = writer(pair)
    w.request_resync("replica", ORG)
    w.write(ORG, month(2))

    assert tables(secondary_url) == tables(primary_url)
    assert len(tables(secondary_url)[0]) == 3 * 144
    w.close()


def test_late_batches_never_move_current_backwards_anywhere(pair):
    (_, primary_url), (_, secondary_url) = pair
    w = writer(pair)
    w.write(ORG, month(2))
    current = tables(primary_url)[1]

    w.write(ORG, month(0))

    assert tables(primary_url)[1] == tables(secondary_url)[1] == current
    w.close()


def test_an_sqlite_primary_feeds_a_postgres_secondary(tmp_path, pair):
    _, (_, secondary_url) = pair
    primary = open_value_database("embedded", f"sqlite:///{tmp_path / 'v.sqlite3'}", True)
    secondary = open_value_database("replica", secondary_url)
    w = MultiDatabaseWriter([primary, secondary], probe_after_s=0)
    w.write(ORG, month(0))
    secondary_down = open_value_database("replica", "postgresql://postgres@127.0.0.1:1/x",
                                         connect_timeout=2)
    MultiDatabaseWriter([primary, secondary_down], probe_after_s=0).write(ORG, month(1))

    w.write(ORG, month(2))

    a, b = primary.read_rows(ORG), secondary.read_rows(ORG)
    assert len(a) == 3 * 144
    assert a.entity_id.tolist() == b.entity_id.tolist() and a.ts.tolist() == b.ts.tolist()
    assert a.value_n.tobytes() == b.value_n.tobytes()
    assert a.status_strings().tolist() == b.status_strings().tolist()
    w.close()


@pytest.mark.parametrize("flags", [[False, False], [True, True]])
def test_it_needs_exactly_one_primary(flags):
    databases = [open_value_database(f"db{i}", "sqlite:///:memory:", primary=f)
                 for i, f in enumerate(flags)]
    with pytest.raises(ValueError, match="exactly one primary"):
        MultiDatabaseWriter(databases)


def test_it_needs_distinct_keys():
    with pytest.raises(ValueError, match="unique"):
        MultiDatabaseWriter([open_value_database("a", "sqlite:///:memory:", primary=True),
                             open_value_database("a", "sqlite:///:memory:")])


def test_a_crash_after_the_primary_commit_leaves_the_secondary_marked(monkeypatch, pair):
    (_, primary_url), (_, secondary_url) = pair
    w = writer(pair)
    w.write(ORG, month(0))
    # The process dies right after the primary committed, before touching the secondary.
    monkeypatch.setattr(MultiDatabaseWriter, "_sync_secondary", lambda *args, **kw: None)
    w.write(ORG, month(1))
    monkeypatch.undo()

    marked = status_of(writer(pair), "replica")
    assert marked["status"] == "lagging"
    assert marked["pending_from"].timestamp() == T0 + 900 * 24
    writer(pair).catch_up(ORG)
    assert tables(secondary_url) == tables(primary_url)
    w.close()


def test_a_catch_up_interrupted_midway_resumes_where_it_stopped(scratch, pair):
    (_, primary_url), (secondary, secondary_url) = pair
    w = writer(pair, catch_up_rows=100)
    w.write(ORG, month(0))
    scratch.make_unavailable(secondary)
    for i in (1, 2, 3):
        w.write(ORG, month(i))
    scratch.make_available(secondary)
    with psycopg.connect(secondary_url, autocommit=True) as conn:  # fails inside month 2
        conn.execute(sql.SQL(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.ts = to_timestamp({}) AT TIME ZONE 'UTC' THEN RAISE EXCEPTION 'flaky'; "
            "END IF; RETURN NEW; END $$; CREATE TRIGGER boom BEFORE INSERT ON {} "
            "FOR EACH ROW EXECUTE FUNCTION boom()").format(
            sql.Literal(T0 + 900 * (2 * 24 + 5)), sql.Identifier("core", f"values_{ORG}")))

    failed = w.catch_up(ORG)
    stuck = status_of(w, "replica")["pending_from"].timestamp()

    assert not failed[0].ok and "flaky" in failed[0].error
    assert T0 + 900 * 24 < stuck <= T0 + 900 * (2 * 24 + 5)  # month 1 is done and kept
    with psycopg.connect(secondary_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TRIGGER boom ON {}").format(
            sql.Identifier("core", f"values_{ORG}")))
    resumed = w.catch_up(ORG)
    assert resumed[0].ok and resumed[0].caught_up_rows < 3 * 144
    assert tables(secondary_url) == tables(primary_url)
    w.close()
