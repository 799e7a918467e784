"""TimescaleDB present but not preloaded: `CREATE EXTENSION timescaledb` ends the connection
with FATAL. hsim must notice, create plain tables, and say why.

The fake is a real connection to the real server whose catalog answers are those of such a
server (timescaledb in pg_available_extensions, not in shared_preload_libraries) and whose
`CREATE EXTENSION timescaledb` does what that server does: a FATAL error that terminates the
backend (here by `pg_terminate_backend(pg_backend_pid())`). Everything else is real.
"""

import psycopg
import pytest
from psycopg import sql

from simulator_app.storage import PostgresValueDatabase, create_value_tables

from .helpers import make_batch

PRELOAD_READABLE, PRELOAD_HIDDEN = "readable", "hidden"


def not_preloaded_cursor(preload=PRELOAD_READABLE, statements=None):
    class NotPreloadedCursor(psycopg.Cursor):
        def execute(self, query, params=None, **kwargs):
            text = query if isinstance(query, str) else query.as_string(self.connection)
            if statements is not None:
                statements.append(text)
            if "FROM pg_extension WHERE extname = 'timescaledb'" in text:
                query, params = "SELECT 1 WHERE false", None
            elif "FROM pg_available_extensions WHERE name = 'timescaledb'" in text:
                query, params = "SELECT 1", None
            elif "name = 'shared_preload_libraries'" in text:
                query, params = ("SELECT 'pg_stat_statements'::text" if preload == PRELOAD_READABLE
                                 else "SELECT 'x' WHERE false"), None  # hidden from this role
            elif "CREATE EXTENSION" in text.upper() and "timescaledb" in text:
                query, params = "SELECT pg_terminate_backend(pg_backend_pid())", None
            return super().execute(query, params, **kwargs)

    return NotPreloadedCursor


def fake_connect(url, **options):
    def connect():
        conn = psycopg.connect(url, autocommit=True)
        conn.cursor_factory = not_preloaded_cursor(**options)
        return conn

    return connect


def table_exists(url, name):
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass(%s)", (f"core.{name}",)).fetchone()[0] is not None


def test_the_fake_ends_the_connection_on_create_extension_like_that_server(pg_url):
    conn = fake_connect(pg_url)()
    with pytest.raises(psycopg.OperationalError):
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    assert conn.broken or conn.closed


def test_it_detects_a_library_that_is_not_preloaded_and_creates_plain_tables(pg_url, org_key):
    statements = []
    conn = fake_connect(pg_url, statements=statements)()

    info = create_value_tables(conn, org_key, connect=fake_connect(pg_url))

    assert info["hypertable"] is False and info["timescaledb"] == "not_preloaded"
    assert "shared_preload_libraries" in info["note"]
    assert not any("CREATE EXTENSION" in s.upper() for s in statements)  # never tried
    assert table_exists(pg_url, f"values_{org_key}")
    assert table_exists(pg_url, f"values_{org_key}_current")
    conn.close()


def test_a_fatal_create_extension_on_its_own_connection_leaves_plain_tables(pg_url, org_key):
    """The preload list is hidden from this role, so it tries; the FATAL ends only the side
    connection, and the tables are still created on the main one."""
    conn = fake_connect(pg_url, preload=PRELOAD_HIDDEN)()
    side = []

    def connect():
        side.append(fake_connect(pg_url, preload=PRELOAD_HIDDEN)())
        return side[-1]

    info = create_value_tables(conn, org_key, connect=connect)

    assert len(side) == 1 and side[0].closed  # the attempt happened, on its own connection
    assert info["hypertable"] is False and info["timescaledb"] == "available"
    assert "CREATE EXTENSION timescaledb failed" in info["note"]
    assert not conn.broken and conn.execute("SELECT 1").fetchone() == (1,)
    assert table_exists(pg_url, f"values_{org_key}")


class NotPreloadedDatabase(PostgresValueDatabase):
    """The real writer, connected through the fake."""

    def _connect(self, autocommit=True):
        conn = super()._connect(autocommit)
        conn.cursor_factory = not_preloaded_cursor()
        return conn


def test_the_writer_writes_into_plain_tables_and_reports_why_for_health(pg_url, org_key, caplog):
    from simulator_app.storage import ValueRows

    from .helpers import entity_ids

    database = NotPreloadedDatabase("main", pg_url, primary=True)
    rows = ValueRows.from_batch(make_batch(n_points=2, n_intervals=2), entity_ids(2))

    stats = database.write(org_key, rows)

    assert stats.rows == 4
    info = database.timescaledb_info()
    assert info["status"] == "not_preloaded" and "shared_preload_libraries" in info["note"]
    assert any("shared_preload_libraries" in r.getMessage() for r in caplog.records)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier("core", f"values_{org_key}"))).fetchone()[0] == 4
    database.close()
