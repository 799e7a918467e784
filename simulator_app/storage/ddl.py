"""DDL of the value tables (PostgreSQL schema `core`, and the SQLite variant) and of the small
table that remembers which secondary database still misses rows.

The value tables mirror the platform's reference schema exactly, so hsim can write into an
existing database of that platform:

    core.values_<key>          (entity_id int4, ts timestamp, value_n numeric, value_b bool,
                                value_s varchar, value_ts timestamp, status varchar)
                               PK (entity_id, ts); index (entity_id); index (ts DESC)
    core.values_<key>_current  same columns + value_dict jsonb; PK (entity_id); index (entity_id)

`ts` is timestamp without time zone holding UTC (the platform's convention). Every statement is
idempotent (IF NOT EXISTS) and runs under a transaction-scoped advisory lock, because two
workers provisioning the same org at once would otherwise race on the catalog.

On TimescaleDB the values table (never `_current`: its primary key does not contain `ts`) becomes
a hypertable on `ts` with a configurable chunk interval.
"""

import hashlib
import logging
import re

from psycopg import errors as pg_errors
from psycopg import sql

from .errors import describe

log = logging.getLogger(__name__)

SCHEMA = "core"
SYNC_TABLE = "hsim_value_sync"
BREAKER_TABLE = "hsim_value_breaker"
ORG_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
# First key of hsim's two-int advisory locks (the second is a hash of the object), so they never
# collide with the single-bigint locks other parts of the project take.
ADVISORY_NAMESPACE = 0x6873696D  # "hsim"
_PG_MAX_IDENTIFIER = 63


def validate_org_key(key):
    """Return `key` if it is a safe org key (`^[a-z][a-z0-9_]{0,47}$`), else raise ValueError.

    48 characters keep `values_<key>_current` within PostgreSQL's 63-byte identifiers.
    """
    if not isinstance(key, str) or not ORG_KEY_RE.match(key):
        raise ValueError(
            f"invalid org key {key!r}: must match {ORG_KEY_RE.pattern} "
            "(lower-case letter, then up to 47 lower-case letters, digits or underscores)")
    return key


def table_names(key):
    """(values table, current table) names for an org key, validated."""
    validate_org_key(key)
    return f"values_{key}", f"values_{key}_current"


def index_name(table, suffix):
    """`<table>_<suffix>`, shortened with a hash when longer than 63 bytes.

    PostgreSQL would silently truncate, and for long keys the truncated names of the values and
    the current table's indexes would collide.
    """
    name = f"{table}_{suffix}"
    if len(name) <= _PG_MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(table.encode()).hexdigest()[:8]
    keep = _PG_MAX_IDENTIFIER - len(suffix) - len(digest) - 2
    return f"{table[:keep]}_{digest}_{suffix}"


def value_table_statements(key):
    """The PostgreSQL statements creating both value tables of `key` (no hypertable)."""
    values, current = table_names(key)
    vt, ct = sql.Identifier(SCHEMA, values), sql.Identifier(SCHEMA, current)
    columns = sql.SQL(
        "entity_id int4 NOT NULL, ts timestamp NOT NULL, value_n numeric NULL, "
        "value_b bool NULL, value_s varchar NULL, value_ts timestamp NULL, status varchar NULL")
    ix = (lambda table, suffix: sql.Identifier(index_name(table, suffix)))
    return [
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)),
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY (entity_id, ts))").format(
            vt, columns),
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (entity_id)").format(
            ix(values, "entity_id_idx"), vt),
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (ts DESC)").format(ix(values, "ts_idx"), vt),
        sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, value_dict jsonb NULL, "
                "PRIMARY KEY (entity_id))").format(ct, columns),
        sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (entity_id)").format(
            ix(current, "entity_id_idx"), ct),
    ]


def hypertable_statements(key, chunk_interval="7 days"):
    """[(statement, params)] turning the values table of `key` into a hypertable.

    Only the values table: `_current` is keyed by entity_id alone and cannot be partitioned by
    time. `if_not_exists` + `migrate_data` make it safe on a table that already exists with rows;
    `set_chunk_time_interval` applies a changed interval to chunks created from now on. Our own
    ts index exists already, so TimescaleDB's default indexes are not created.
    """
    values, _ = table_names(key)
    relation = f"{SCHEMA}.{values}"
    return [
        (sql.SQL("SELECT create_hypertable(%s::regclass, 'ts', chunk_time_interval => "
                 "%s::interval, if_not_exists => TRUE, migrate_data => TRUE, "
                 "create_default_indexes => FALSE)"), (relation, chunk_interval)),
        (sql.SQL("SELECT set_chunk_time_interval(%s::regclass, %s::interval)"),
         (relation, chunk_interval)),
    ]


TIMESCALE_INSTALLED, TIMESCALE_AVAILABLE = "installed", "available"
TIMESCALE_NOT_PRELOADED, TIMESCALE_ABSENT = "not_preloaded", "absent"
NOT_PRELOADED_NOTE = ("timescaledb is installed on the server but not in "
                      "shared_preload_libraries: plain tables instead of hypertables")


def timescaledb_status(conn):
    """'installed' (in this database), 'available' (can be installed: files present and
    preloaded, or the preload list is not readable), 'not_preloaded' (files present, library
    not in shared_preload_libraries: `CREATE EXTENSION` would end the connection with FATAL)
    or 'absent'."""
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")
        if cur.fetchone():
            return TIMESCALE_INSTALLED
        cur.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")
        if not cur.fetchone():
            return TIMESCALE_ABSENT
        return TIMESCALE_NOT_PRELOADED if timescaledb_preloaded(cur) is False \
            else TIMESCALE_AVAILABLE


def timescaledb_preloaded(cur):
    """True/False from shared_preload_libraries, None when this role may not read it
    (pg_settings hides superuser-only settings instead of raising)."""
    cur.execute("SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'")
    row = cur.fetchone()
    if row is None:
        return None
    libraries = [item.strip().strip('"').rsplit("/", 1)[-1] for item in (row[0] or "").split(",")]
    return any(lib == "timescaledb" or lib.startswith("timescaledb-") for lib in libraries)


def timescaledb_available(conn):
    """True when hypertables can be created: the extension is installed in this database."""
    return timescaledb_status(conn) == TIMESCALE_INSTALLED


def lock_ddl(cur, name):
    """Serialise DDL on one object across processes until the transaction ends."""
    cur.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (ADVISORY_NAMESPACE, name))


def create_value_tables(conn, key, *, chunk_interval="7 days", timescale="auto", connect=None):
    """Create the value tables of `key` if missing; on TimescaleDB make the values table a
    hypertable. Idempotent, safe on tables that already hold rows. Returns
    {"values": name, "current": name, "hypertable": bool, "timescaledb": status,
    "note": why there is no hypertable where TimescaleDB exists, else None}.

    timescale: "auto" = hypertable when the extension is installed, or available and
    `CREATE EXTENSION` succeeds; "off" = never. The extension is only ever created on a
    separate connection from `connect()` (a server without the library preloaded answers it
    with FATAL, which would end ours mid-DDL); without `connect` it is not attempted.
    Raises DatabaseWriteError-worthy errors from psycopg, and RuntimeError if the tables do not
    exist afterwards (never reports success for tables that are not there).
    """
    validate_org_key(key)
    values, current = table_names(key)
    status, note = None, None
    if timescale == "auto":
        status = timescaledb_status(conn)
        if status == TIMESCALE_AVAILABLE:
            status, note = _try_install_timescaledb(conn, connect)
        elif status == TIMESCALE_NOT_PRELOADED:
            note = NOT_PRELOADED_NOTE
    hypertable = status == TIMESCALE_INSTALLED
    with conn.transaction(), conn.cursor() as cur:
        try:
            cur.execute("SELECT %s::interval", (chunk_interval,))
        except (pg_errors.DataError, pg_errors.SyntaxError) as exc:
            raise ValueError(f"invalid chunk interval {chunk_interval!r}: {exc}") from None
        lock_ddl(cur, f"ddl:{SCHEMA}.{values}")
        for statement in value_table_statements(key):
            cur.execute(statement)
        if hypertable:
            for statement, params in hypertable_statements(key, chunk_interval):
                cur.execute(statement, params)
    missing = [name for name in (values, current) if conn.execute(
        "SELECT to_regclass(%s)", (f"{SCHEMA}.{name}",)).fetchone()[0] is None]
    if missing:
        raise RuntimeError(f"value tables {missing} were not created")
    if note:
        log.warning("org %s: %s", key, note)
    return {"values": values, "current": current, "hypertable": hypertable,
            "timescaledb": status, "note": note}


def _try_install_timescaledb(conn, connect):
    """('installed', None) or ('available', why not). Runs on its own connection."""
    if connect is None:
        return TIMESCALE_AVAILABLE, "timescaledb is available but was not installed"
    try:
        with connect() as other:
            other.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            other.commit()
    except Exception as exc:  # no privileges, or FATAL: not preloaded after all
        return TIMESCALE_AVAILABLE, (f"CREATE EXTENSION timescaledb failed ({describe(exc)}): "
                                     "plain tables instead of hypertables")
    if timescaledb_status(conn) != TIMESCALE_INSTALLED:
        return TIMESCALE_AVAILABLE, "CREATE EXTENSION timescaledb left no extension"
    return TIMESCALE_INSTALLED, None


def sync_table_statement():
    return sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} ("
        "db_key varchar NOT NULL, org_key varchar NOT NULL, status varchar NOT NULL DEFAULT 'ok', "
        "pending_from timestamp NULL, pending_since timestamp NULL, pending_deletes text NULL, "
        "seq bigint NOT NULL DEFAULT 0, last_error text NULL, last_error_at timestamp NULL, "
        "last_success_at timestamp NULL, PRIMARY KEY (db_key, org_key))"
    ).format(sql.Identifier(SCHEMA, SYNC_TABLE))


def breaker_table_statement():
    return sql.SQL(BREAKER_COLUMNS).format(sql.Identifier(SCHEMA, BREAKER_TABLE))


# One row per secondary: its circuit breaker, shared by every process that writes (see
# sync_state.BreakerStore). Timestamps are UTC.
BREAKER_COLUMNS = (
    "CREATE TABLE IF NOT EXISTS {} ("
    "db_key varchar NOT NULL PRIMARY KEY, state varchar NOT NULL DEFAULT 'closed', "
    "opened_at timestamp NULL, next_probe_at timestamp NULL, last_error text NULL, "
    "failures bigint NOT NULL DEFAULT 0, probes bigint NOT NULL DEFAULT 0)")


def create_sync_table(conn):
    """The secondary catch-up state table `core.hsim_value_sync` and the secondaries' circuit
    breakers `core.hsim_value_breaker` (both live in the primary)."""
    with conn.transaction(), conn.cursor() as cur:
        lock_ddl(cur, f"ddl:{SCHEMA}.{SYNC_TABLE}")
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        cur.execute(sync_table_statement())
        cur.execute(breaker_table_statement())


# --- SQLite (embedded default) ------------------------------------------------------------
# Same tables without a schema. Column types use the names Django's SQLite backend uses, so a
# Django model over these tables reads them back naturally; ts/value_ts are UTC text
# 'YYYY-MM-DD HH:MM:SS[.ffffff]', which sorts chronologically.


def sqlite_value_table_statements(key):
    values, current = table_names(key)
    columns = ("entity_id integer NOT NULL, ts datetime NOT NULL, value_n decimal NULL, "
               "value_b bool NULL, value_s varchar NULL, value_ts datetime NULL, "
               "status varchar NULL")
    return [
        f'CREATE TABLE IF NOT EXISTS "{values}" ({columns}, PRIMARY KEY (entity_id, ts))',
        f'CREATE INDEX IF NOT EXISTS "{index_name(values, "entity_id_idx")}" '
        f'ON "{values}" (entity_id)',
        f'CREATE INDEX IF NOT EXISTS "{index_name(values, "ts_idx")}" ON "{values}" (ts DESC)',
        f'CREATE TABLE IF NOT EXISTS "{current}" ({columns}, value_dict text NULL, '
        f"PRIMARY KEY (entity_id))",
        f'CREATE INDEX IF NOT EXISTS "{index_name(current, "entity_id_idx")}" '
        f'ON "{current}" (entity_id)',
    ]


def create_sqlite_value_tables(conn, key):
    """Create the SQLite value tables of `key` (call inside the caller's transaction)."""
    for statement in sqlite_value_table_statements(key):
        conn.execute(statement)
    values, current = table_names(key)
    return {"values": values, "current": current, "hypertable": False, "timescaledb": None,
            "note": None}


SQLITE_SYNC_TABLE_STATEMENT = (
    f"CREATE TABLE IF NOT EXISTS {SYNC_TABLE} ("
    "db_key varchar NOT NULL, org_key varchar NOT NULL, status varchar NOT NULL DEFAULT 'ok', "
    "pending_from datetime NULL, pending_since datetime NULL, pending_deletes text NULL, "
    "seq integer NOT NULL DEFAULT 0, last_error text NULL, last_error_at datetime NULL, "
    "last_success_at datetime NULL, PRIMARY KEY (db_key, org_key))"
)
SQLITE_BREAKER_TABLE_STATEMENT = BREAKER_COLUMNS.replace("{}", BREAKER_TABLE).replace(
    "timestamp", "datetime")
