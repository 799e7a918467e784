import sqlite3

import pytest
from psycopg import sql

from simulator_app.storage import (
    create_sync_table,
    create_value_tables,
    hypertable_statements,
    timescaledb_available,
    timescaledb_status,
    validate_org_key,
)
from simulator_app.storage.ddl import (
    create_sqlite_value_tables,
    index_name,
    table_names,
)

REFERENCE_COLUMNS = [
    ("entity_id", "integer", "NO"), ("ts", "timestamp without time zone", "NO"),
    ("value_n", "numeric", "YES"), ("value_b", "boolean", "YES"),
    ("value_s", "character varying", "YES"), ("value_ts", "timestamp without time zone", "YES"),
    ("status", "character varying", "YES"),
]


def columns(conn, table):
    return conn.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'core' AND table_name = %s ORDER BY ordinal_position",
        (table,)).fetchall()


def index_definitions(conn, table):
    """Index definitions without their names: what the index is, not what it is called."""
    rows = conn.execute(
        "SELECT i.indisprimary, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass", (f"core.{table}",)).fetchall()
    return sorted((primary, definition.split(" USING ", 1)[1]) for primary, definition in rows)


@pytest.mark.parametrize("key", ["demo", "a", "org_42", "x" * 48])
def test_it_accepts_safe_org_keys(key):
    assert validate_org_key(key) == key


@pytest.mark.parametrize("key", ["", "Demo", "1abc", "_x", "a-b", "a b", "x" * 49,
                                 'demo"; DROP TABLE core.org; --', None, 42])
def test_it_rejects_unsafe_org_keys_naming_them(key):
    with pytest.raises(ValueError) as info:
        validate_org_key(key)
    assert repr(key) in str(info.value)


def is_hypertable(conn, table):
    """True when `core.<table>` is a TimescaleDB hypertable (False where there is none)."""
    if not timescaledb_available(conn):
        return False
    return conn.execute("SELECT count(*) FROM timescaledb_information.hypertables "
                        "WHERE hypertable_schema = 'core' AND hypertable_name = %s",
                        (table,)).fetchone()[0] == 1


def test_it_creates_the_reference_schema_of_both_tables(pg_conn, org_key):
    info = create_value_tables(pg_conn, org_key)
    values, current = f"values_{org_key}", f"values_{org_key}_current"
    installed = timescaledb_available(pg_conn)

    assert (info["values"], info["current"]) == (values, current)
    # A hypertable exactly where the extension is installed; `_current` never is one.
    assert info["hypertable"] is installed is is_hypertable(pg_conn, values)
    assert not is_hypertable(pg_conn, current)
    assert columns(pg_conn, values) == REFERENCE_COLUMNS
    assert columns(pg_conn, current) == REFERENCE_COLUMNS + [("value_dict", "jsonb", "YES")]
    assert index_definitions(pg_conn, values) == [
        (False, "btree (entity_id)"), (False, "btree (ts DESC)"),
        (True, "btree (entity_id, ts)")]
    assert index_definitions(pg_conn, current) == [
        (False, "btree (entity_id)"), (True, "btree (entity_id)")]


def test_it_is_idempotent_on_tables_that_hold_rows(pg_conn, org_key):
    create_value_tables(pg_conn, org_key)
    table = sql.Identifier("core", f"values_{org_key}")
    pg_conn.execute(sql.SQL("INSERT INTO {} (entity_id, ts, value_n) "
                            "VALUES (1, '2024-01-01', 1.5)").format(table))

    create_value_tables(pg_conn, org_key)

    assert pg_conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0] == 1
    assert len(index_definitions(pg_conn, f"values_{org_key}")) == 3


def test_it_keeps_index_names_distinct_and_within_postgres_limits(pg_conn):
    key = "k" * 48
    values, current = table_names(key)
    names = [index_name(values, "entity_id_idx"), index_name(values, "ts_idx"),
             index_name(current, "entity_id_idx")]

    assert len(set(names)) == 3 and all(len(n) <= 63 for n in names)
    create_value_tables(pg_conn, key)  # PostgreSQL would reject a collision
    try:
        assert len(index_definitions(pg_conn, current)) == 2
    finally:
        for table in (values, current):
            pg_conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier("core", table)))


def test_it_rejects_a_bad_chunk_interval_before_creating_anything(pg_conn, org_key):
    with pytest.raises(ValueError, match="chunk interval"):
        create_value_tables(pg_conn, org_key, chunk_interval="seven days")

    assert columns(pg_conn, f"values_{org_key}") == []


def test_it_reports_timescaledb_as_it_is_and_makes_hypertables_only_where_installed(
        pg_conn, org_key):
    status = timescaledb_status(pg_conn)
    info = create_value_tables(pg_conn, org_key)

    assert status in {"absent", "available", "not_preloaded", "installed"}
    assert info["timescaledb"] == timescaledb_status(pg_conn)
    assert info["hypertable"] is (info["timescaledb"] == "installed")
    assert info["hypertable"] is is_hypertable(pg_conn, f"values_{org_key}")
    assert (info["note"] is None) is (status in {"absent", "installed"})


def test_it_builds_hypertable_statements_for_the_values_table_only(pg_conn):
    statements = hypertable_statements("demo", "1 day")
    texts = [statement.as_string(pg_conn) for statement, _ in statements]

    assert "create_hypertable(%s::regclass, 'ts'" in texts[0]
    assert "if_not_exists => TRUE" in texts[0] and "migrate_data => TRUE" in texts[0]
    assert "set_chunk_time_interval" in texts[1]
    assert [params for _, params in statements] == [("core.values_demo", "1 day")] * 2
    assert not any("current" in repr(params) for _, params in statements)
    # The interval parameter is cast by the server: check PostgreSQL accepts it.
    assert pg_conn.execute("SELECT %s::interval", ("1 day",)).fetchone()[0].days == 1


def test_it_creates_the_sync_table_idempotently(pg_conn):
    create_sync_table(pg_conn)
    create_sync_table(pg_conn)

    names = [c[0] for c in columns(pg_conn, "hsim_value_sync")]
    assert {"db_key", "org_key", "pending_from", "status", "last_error", "last_error_at",
            "last_success_at"} <= set(names)


def test_it_creates_the_sqlite_variant_of_both_tables(tmp_path):
    conn = sqlite3.connect(tmp_path / "v.sqlite3")
    create_sqlite_value_tables(conn, "demo")
    create_sqlite_value_tables(conn, "demo")

    cols = [r[1] for r in conn.execute('PRAGMA table_info("values_demo")')]
    pk = [r[1] for r in sorted(conn.execute('PRAGMA table_info("values_demo")'),
                               key=lambda r: r[5]) if r[5]]
    current_pk = [r[1] for r in conn.execute('PRAGMA table_info("values_demo_current")') if r[5]]
    assert cols == ["entity_id", "ts", "value_n", "value_b", "value_s", "value_ts", "status"]
    assert pk == ["entity_id", "ts"] and current_pk == ["entity_id"]
    conn.execute("INSERT INTO values_demo (entity_id, ts) VALUES (1, '2024-01-01 00:00:00')")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO values_demo (entity_id, ts) VALUES (1, '2024-01-01 00:00:00')")
