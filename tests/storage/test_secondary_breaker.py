"""A hung secondary costs the primary path one connection attempt per probe period, not one per
write: its circuit breaker (shared through the primary) stops every writer trying it until a
probe sees it back, and then the existing catch-up brings it to exact equality."""

import psycopg
import pytest

from simulator_app.storage import MultiDatabaseWriter, ValueRows, open_value_database

from ..netfakes import TcpProxy
from .helpers import T0, dump, entity_ids, make_batch

ORG = "plant"


def batch(i):
    return ValueRows.from_batch(make_batch(n_points=3, n_intervals=2, start=T0 + 1800 * i,
                                           seed=i), entity_ids(3))


@pytest.fixture
def frozen_secondary(scratch):
    """(primary url, real secondary url, proxy in front of the secondary, frozen)."""
    (_, primary_url), (_, secondary_url) = scratch.create(), scratch.create()
    proxy = TcpProxy.for_url(secondary_url)
    proxy.freeze()
    yield primary_url, secondary_url, proxy
    proxy.close()


def writer(primary_url, secondary_url, probe_after_s):
    return MultiDatabaseWriter([
        open_value_database("main", primary_url, primary=True, connect_timeout=2),
        open_value_database("replica", secondary_url, connect_timeout=1),
    ], probe_after_s=probe_after_s)


def rows_of(url):
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"core.values_{ORG}",)).fetchone()[0] is None:
            return []
        return dump(conn, ORG)


def test_a_frozen_secondary_is_tried_once_across_many_writes_of_several_processes(
        frozen_secondary):
    primary_url, secondary_url, proxy = frozen_secondary
    workers = [writer(primary_url, proxy.url(secondary_url), probe_after_s=3600)
               for _ in range(2)]  # two worker processes sharing the primary

    reports = [workers[i % 2].write(ORG, batch(i)) for i in range(10)]

    assert proxy.attempts == 1  # the first write tried it; then the circuit was open
    assert all(r.outcomes[0].ok for r in reports)  # the primary path never failed
    assert [o.skipped for r in reports[1:] for o in r.outcomes[1:]] == [True] * 9
    assert len(rows_of(primary_url)) == 10 * 6
    status = next(s for s in workers[1].status() if s["key"] == "replica")
    assert status["status"] == "error" and status["circuit"]["state"] == "open"
    assert status["circuit"]["failures"] == 1
    for w in workers:
        w.close()


def test_a_due_probe_tries_it_once_more_and_closing_the_breaker_catches_it_up(
        frozen_secondary):
    primary_url, secondary_url, proxy = frozen_secondary
    w = writer(primary_url, proxy.url(secondary_url), probe_after_s=0)
    w.write(ORG, batch(0))
    assert proxy.attempts == 1

    assert w.probe_secondaries() == {"replica": "still_open"}  # still frozen: one more try
    assert proxy.attempts == 2

    proxy.thaw()
    assert w.probe_secondaries() == {"replica": "closed"}

    assert rows_of(secondary_url) == rows_of(primary_url) and len(rows_of(primary_url)) == 6
    status = next(s for s in w.status() if s["key"] == "replica")
    assert status["status"] == "ok" and status["circuit"]["state"] == "closed"
    w.write(ORG, batch(1))  # written directly again
    assert rows_of(secondary_url) == rows_of(primary_url)
    w.close()


def test_a_write_past_the_probe_time_tries_it_half_open_and_closes_it(frozen_secondary):
    primary_url, secondary_url, proxy = frozen_secondary
    w = writer(primary_url, proxy.url(secondary_url), probe_after_s=0)
    w.write(ORG, batch(0))
    proxy.thaw()

    report = w.write(ORG, batch(1))

    assert report.ok and not report.outcomes[1].skipped
    assert rows_of(secondary_url) == rows_of(primary_url) and len(rows_of(primary_url)) == 12
    assert next(s for s in w.status() if s["key"] == "replica")["circuit"]["state"] == "closed"
    w.close()


def test_every_connection_carries_statement_and_lock_timeouts(pg_url):
    database = open_value_database("main", pg_url, primary=True, statement_timeout_ms=1234,
                                   lock_timeout_ms=567)
    settings = database.connection().execute(
        "SELECT current_setting('statement_timeout'), current_setting('lock_timeout')"
    ).fetchone()
    database.close()

    assert settings == ("1234ms", "567ms")


def test_a_statement_past_its_timeout_fails_the_write_instead_of_hanging(pg_url):
    database = open_value_database("main", pg_url, primary=True, statement_timeout_ms=200)
    with pytest.raises(psycopg.errors.QueryCanceled):
        database.connection().execute("SELECT pg_sleep(5)")
    database.close()


def test_a_secondary_that_freezes_on_an_open_connection_fails_within_its_deadline(scratch):
    """Frozen mid-session: the kernel still acknowledges, so only a client-side bound ends
    the wait; the write fails, the circuit opens, the primary's rows are kept."""
    import threading

    (_, primary_url), (_, secondary_url) = scratch.create(), scratch.create()
    proxy = TcpProxy.for_url(secondary_url)
    w = MultiDatabaseWriter([
        open_value_database("main", primary_url, primary=True),
        open_value_database("replica", proxy.url(secondary_url), connect_timeout=2),
    ], probe_after_s=3600, secondary_deadline_s=1)
    try:
        assert w.write(ORG, batch(0)).ok  # the connection to the secondary is now open
        proxy.freeze()
        reports = []
        writing = threading.Thread(target=lambda: reports.append(w.write(ORG, batch(1))),
                                   daemon=True)  # a failure here must not hang the run
        writing.start()
        writing.join(60)  # a liveness guard, not a speed check: without a bound it never ends

        assert not writing.is_alive()
        (report,) = reports
        assert report.outcomes[0].ok and not report.outcomes[1].ok
        assert next(s for s in w.status() if s["key"] == "replica")["circuit"]["state"] == "open"
        assert len(rows_of(primary_url)) == 12
        proxy.thaw()
        assert w.probe_secondaries() == {"replica": "not_due"}  # it stays skipped until due
    finally:
        w.close()
        proxy.close()
