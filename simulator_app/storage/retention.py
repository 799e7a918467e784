"""Retention and compression of one org's values table in one value database (no Django).

- TimescaleDB (the values table is a hypertable): native policies, run by TimescaleDB's own
  job scheduler. Compression segments by `entity_id` (every read is per entity, ordered by
  `ts DESC`); `add_compression_policy` / `add_retention_policy` are (re)set only when the
  wanted interval differs from the current one, so applying the same policy is a no-op.
  A retention policy drops whole chunks older than the cutoff: never a newer row.
- Elsewhere (plain PostgreSQL, SQLite): rows older than the cutoff are deleted in bounded
  batches, each its own short transaction (`DELETE ... WHERE ctid IN (SELECT ctid ... LIMIT n)`
  on PostgreSQL, rowid batches on SQLite), at most `max_batches` per call: a large backlog is
  worked off over several runs instead of one transaction that holds locks and bloats WAL.

`_current` is never touched: it holds each point's newest value, however old.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from psycopg import sql

from . import ddl

log = logging.getLogger(__name__)


@dataclass
class RetentionOutcome:
    database: str
    org_key: str
    method: str  # timescaledb | batched_delete | keep_forever | no_table
    cutoff: str = None  # ISO UTC: rows with ts < cutoff are (to be) dropped
    deleted: int = 0
    batches: int = 0
    complete: bool = True  # False: max_batches reached, more old rows left for the next run
    compression: str = None  # timescaledb: "policy <n> days" | "off"; elsewhere None

    def as_dict(self):
        return asdict(self)


def cutoff_for(retention_days, now=None):
    """The oldest timestamp kept (naive UTC, as stored), or None for keep forever (0/None)."""
    if not retention_days:
        return None
    now = now or datetime.now(timezone.utc)
    # Whole seconds, rounded down: a cutoff a little earlier only keeps a little more.
    return (now - timedelta(days=int(retention_days))).astimezone(timezone.utc).replace(
        tzinfo=None, microsecond=0)


def apply_retention(db, org_key, retention_days, compress_after_days=0, *, now=None,
                    batch_rows=10_000, max_batches=100):
    """Apply the org's policy in `db` (a PostgresValueDatabase or SqliteValueDatabase)."""
    ddl.validate_org_key(org_key)
    if batch_rows < 1 or max_batches < 1:
        raise ValueError("batch_rows and max_batches must be at least 1")
    cutoff = cutoff_for(retention_days, now)
    if db.kind == "sqlite":
        return _sqlite(db, org_key, cutoff, batch_rows, max_batches)
    return _postgres(db, org_key, retention_days, compress_after_days, cutoff, batch_rows,
                     max_batches)


def _outcome(db, org_key, method, cutoff, **kwargs):
    return RetentionOutcome(db.key, org_key, method,
                            cutoff.isoformat() + "+00:00" if cutoff else None, **kwargs)


# --- PostgreSQL ---------------------------------------------------------------------------

def _postgres(db, org_key, retention_days, compress_after_days, cutoff, batch_rows,
              max_batches):
    values, _ = ddl.table_names(org_key)

    def inspect(conn):
        exists = conn.execute("SELECT to_regclass(%s)", (f"{ddl.SCHEMA}.{values}",)
                              ).fetchone()[0] is not None
        return exists, exists and _is_hypertable(conn, values)

    exists, hypertable = db.run_in_transaction(inspect)
    if not exists:
        return _outcome(db, org_key, "no_table", cutoff)
    if hypertable:
        compression = db.run_in_transaction(
            lambda conn: _timescale_policies(conn, values, retention_days, compress_after_days))
        return _outcome(db, org_key, "timescaledb", cutoff, compression=compression)
    if cutoff is None:
        return _outcome(db, org_key, "keep_forever", None)
    table = sql.Identifier(ddl.SCHEMA, values)
    statement = sql.SQL(
        "DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM {t} WHERE ts < %s LIMIT %s)"
    ).format(t=table)
    return _delete_in_batches(db, org_key, cutoff, statement, cutoff, batch_rows, max_batches)


def _is_hypertable(conn, values):
    if not ddl.timescaledb_available(conn):
        return False
    return conn.execute(
        "SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = %s"
        " AND hypertable_name = %s", (ddl.SCHEMA, values)).fetchone() is not None


def _timescale_policies(conn, values, retention_days, compress_after_days):
    relation = f"{ddl.SCHEMA}.{values}"
    if compress_after_days:
        enabled = conn.execute(
            "SELECT compression_enabled FROM timescaledb_information.hypertables"
            " WHERE hypertable_schema = %s AND hypertable_name = %s",
            (ddl.SCHEMA, values)).fetchone()[0]
        if not enabled:
            conn.execute(sql.SQL(
                "ALTER TABLE {} SET (timescaledb.compress, timescaledb.compress_segmentby ="
                " 'entity_id', timescaledb.compress_orderby = 'ts DESC')"
            ).format(sql.Identifier(ddl.SCHEMA, values)))
    _set_policy(conn, values, relation, "policy_compression", "compress_after",
                "add_compression_policy", "remove_compression_policy", compress_after_days)
    _set_policy(conn, values, relation, "policy_retention", "drop_after",
                "add_retention_policy", "remove_retention_policy", retention_days)
    return f"policy {compress_after_days} days" if compress_after_days else "off"


def _set_policy(conn, values, relation, proc, key, add, remove, days):
    """Make the hypertable's `proc` job match `days` (0: no job): unchanged when it does."""
    row = conn.execute(
        "SELECT (config ->> %s)::interval = make_interval(days => %s) FROM"
        " timescaledb_information.jobs WHERE proc_name = %s AND hypertable_schema = %s"
        " AND hypertable_name = %s", (key, int(days or 0), proc, ddl.SCHEMA, values)).fetchone()
    if row is not None and days and row[0]:
        return
    if row is not None:
        conn.execute(sql.SQL("SELECT {}(%s::regclass, if_exists => TRUE)").format(
            sql.Identifier(remove)), (relation,))
    if days:
        conn.execute(sql.SQL("SELECT {}(%s::regclass, make_interval(days => %s))").format(
            sql.Identifier(add)), (relation, int(days)))


# --- SQLite ---------------------------------------------------------------------------------

def _sqlite(db, org_key, cutoff, batch_rows, max_batches):
    from .sqlite_writer import sqlite_ts_text  # the stored text form of a timestamp
    from .rows import to_epoch_us

    values, _ = ddl.table_names(org_key)

    def exists(conn):
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            (values,)).fetchone() is not None

    if not db.run_in_transaction(exists):
        return _outcome(db, org_key, "no_table", cutoff)
    if cutoff is None:
        return _outcome(db, org_key, "keep_forever", None)
    text = str(sqlite_ts_text(to_epoch_us(cutoff.replace(tzinfo=timezone.utc))))
    statement = (f'DELETE FROM "{values}" WHERE rowid IN (SELECT rowid FROM "{values}"'
                 " WHERE ts < ? LIMIT ?)")
    return _delete_in_batches(db, org_key, cutoff, statement, text, batch_rows, max_batches)


def _delete_in_batches(db, org_key, cutoff, statement, bound, batch_rows, max_batches):
    """Run `statement` (delete at most `batch_rows` rows older than `bound`) one transaction
    at a time until a batch comes back short or `max_batches` ran: a backlog larger than that
    waits for the next run rather than holding locks for long."""
    deleted = batches = 0
    complete = False
    while batches < max_batches:
        count = db.run_in_transaction(
            lambda conn: conn.execute(statement, (bound, batch_rows)).rowcount)
        batches += 1
        deleted += count
        if count < batch_rows:
            complete = True
            break
    return _outcome(db, org_key, "batched_delete", cutoff, deleted=deleted, batches=batches,
                    complete=complete)
