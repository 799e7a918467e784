"""PostgreSQL value database: COPY-speed writes of `ValueRows` into values_<key> / _current.

One `write` = one transaction, for a ValueRows or a stream of ValueRows chunks (one batch):

1. the *watermark*: the newest ts already stored for the chunk's entities (one index probe per
   entity through the primary key). Rows newer than it cannot conflict, so they go straight into
   the table with binary COPY (the physical limit). If that COPY still hits a unique violation
   (a concurrent writer filled the range meanwhile), it rolls back to a savepoint and takes the
   upsert path. No table lock is taken, on purpose: backfill chunks of different time ranges
   can then be written in parallel on two connections (e.g. two Celery workers);
2. rows at or below the watermark are COPYed into a temp table in bounded chunks and merged
   with `INSERT ... ON CONFLICT (entity_id, ts) DO UPDATE`, skipping rows that would not
   change (replaying a batch rewrites nothing);
3. `_current` is refreshed from the values table itself for the touched entities (newest row
   per entity), guarded by `EXCLUDED.ts >= current.ts`: a late or replayed batch can never move
   it backwards, and it always equals the newest stored row;
4. an optional `before_commit(conn, stats)` hook (the multi-database writer records secondary
   catch-up marks atomically with the primary's rows), then COMMIT.

`bulk=True` adds one case: loading into an *empty* values table, its indexes are dropped and
rebuilt after the load inside the same transaction (BulkIndexes), several times faster than
maintaining them row by row; that is what a first backfill of a new org uses.

The object owns one connection (autocommit, explicit transactions), reopened after a failure.
It is not thread-safe: one per process/thread.
"""

import logging
import os
import queue
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from . import ddl
from .errors import DatabaseWriteError, InvalidRowsError
from .pg_copy import COPY_HEADER, COPY_TRAILER, VALUE_COLUMNS, encode_rows
from .pg_bulk import BulkIndexes
from .rows import ValueRows, rows_from_tuples, to_epoch_us, us_to_datetime

log = logging.getLogger(__name__)

STAGE_TABLE = "hsim_stage"
_COLS = sql.SQL(", ").join(map(sql.Identifier, VALUE_COLUMNS))
_DATA_COLS = ("value_n", "value_b", "value_s", "value_ts", "status")


class _BoundedQueuedWriter(QueuedLibpqWriter):
    """psycopg's threaded COPY writer with a short queue: at most ~8 MB waits to be sent (the
    default queue holds up to 1024 x 128 kB), so memory stays bounded for any batch size."""

    def __init__(self, cursor, max_items=64):
        super().__init__(cursor)
        self._queue = queue.Queue(maxsize=max_items)


@dataclass
class WriteStats:
    rows: int = 0  # distinct rows of the batch (after dedupe)
    copied: int = 0  # went straight in with COPY (new range)
    upserted: int = 0  # went through temp table + ON CONFLICT
    current: int = 0  # _current rows inserted or changed
    min_ts: int = None  # µs, oldest row of the batch
    max_ts: int = None  # µs, newest row of the batch
    bulk: bool = False  # indexes were rebuilt after the load

    def add(self, rows):
        self.rows += len(rows)
        lo, hi = rows.min_ts(), rows.max_ts()
        self.min_ts = lo if self.min_ts is None else min(self.min_ts, lo)
        self.max_ts = hi if self.max_ts is None else max(self.max_ts, hi)


class PostgresValueDatabase:
    kind = "postgresql"

    def __init__(self, key, url, primary=False, *, decimals=6, chunk_rows=100_000,
                 upsert_chunk_rows=250_000, chunk_interval="7 days", timescale="auto",
                 connect_timeout=5, statement_timeout_ms=60_000, lock_timeout_ms=10_000,
                 bulk_maintenance_work_mem="512MB"):
        self.key = key
        self.url = url
        self.primary = bool(primary)
        self.decimals = decimals
        self.chunk_rows = chunk_rows
        self.upsert_chunk_rows = upsert_chunk_rows
        self.chunk_interval = chunk_interval
        self.timescale = timescale
        self.connect_timeout = connect_timeout
        # Server-side bounds on every statement and lock wait of this connection (0 = none):
        # a slow or locked database fails a write instead of holding a worker indefinitely.
        self.statement_timeout_ms = int(statement_timeout_ms or 0)
        self.lock_timeout_ms = int(lock_timeout_ms or 0)
        self.timescaledb = None  # what the last ensure_tables found (status, note)
        self.bulk_maintenance_work_mem = bulk_maintenance_work_mem
        self._conn = None
        self._ready_orgs = set()
        self._statements = {}  # (name, org key) -> the statement's text (see _statement)
        self._in_deadline = False
        self.ddl_checks = 0  # value-table DDL checks run by this object (tests, benchmarks)

    def __repr__(self):
        return f"<PostgresValueDatabase {self.key!r}{' primary' if self.primary else ''}>"

    # --- connection -------------------------------------------------------------------

    def connection(self):
        """The open connection, (re)connecting if needed. Raises psycopg.OperationalError."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            self._conn = self._connect()
            self._ready_orgs.clear()
            self._statements.clear()
        return self._conn

    def _connect(self, autocommit=True):
        """A new connection with the connect, statement and lock timeouts applied (set after
        connecting, so options a URL carries are kept)."""
        conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self.connect_timeout,
                               application_name="hsim-storage")
        try:
            conn.execute("SELECT set_config('statement_timeout', %s, false), "
                         "set_config('lock_timeout', %s, false)",
                         (f"{self.statement_timeout_ms}ms", f"{self.lock_timeout_ms}ms"))
        except Exception:
            conn.close()
            raise
        conn.autocommit = autocommit
        return conn

    @contextmanager
    def deadline(self, seconds):
        """A client-side bound on what runs inside. A server process that stopped (not down)
        still has its kernel ACK our packets, and its statement_timeout never fires: a query
        on an open connection would wait forever. After `seconds`, the connection's socket is
        shut down, the blocked call fails with OperationalError, and the connection is
        dropped. 0/None: no bound."""
        if not seconds:
            yield
            return
        fired = threading.Event()

        def cut():
            conn = self._conn
            if conn is None or conn.closed:
                return
            fired.set()
            try:
                sock = socket.socket(fileno=os.dup(conn.pgconn.socket))
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                finally:
                    sock.close()
            except (OSError, psycopg.Error):  # closed meanwhile: nothing to cut
                pass

        timer = threading.Timer(seconds, cut)
        timer.daemon = True
        timer.start()
        self._in_deadline = True  # a cut connection is a hang, not an idle drop: no retry
        try:
            yield
        finally:
            self._in_deadline = False
            timer.cancel()
            if fired.is_set():
                self.close()

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken: nothing to release
                pass
        self._conn = None

    def _run(self, func, *args, replayable=True, **kwargs):
        """Run `func(conn, ...)`; wrap database failures, drop a broken connection.

        The connection is long-lived (one per process): the server may have dropped it while
        idle (restart, idle timeout, a proxy). When a *reused* connection turns out broken,
        a replayable operation runs once more on a new one; a fresh connection failing, a
        statement or lock timeout, or a deadline cut (a frozen server) is not retried."""
        reused = self._conn is not None and not self._conn.closed and not self._conn.broken
        try:
            return func(self.connection(), *args, **kwargs)
        except (InvalidRowsError, ValueError):
            raise
        except Exception as exc:
            dead = self._conn is not None and (self._conn.broken or self._conn.closed)
            if dead or isinstance(exc, psycopg.OperationalError):
                self.close()
            if not (replayable and reused and dead and not self._in_deadline):
                raise DatabaseWriteError(self.key, exc) from exc
            log.warning("value database %s: connection lost while idle (%s); reconnecting",
                        self.key, exc)
        try:
            return func(self.connection(), *args, **kwargs)
        except (InvalidRowsError, ValueError):
            raise
        except Exception as exc:
            if self._conn is not None and (self._conn.broken or self._conn.closed
                                           or isinstance(exc, psycopg.OperationalError)):
                self.close()
            raise DatabaseWriteError(self.key, exc) from exc

    def run_in_transaction(self, func):
        """`func(conn)` inside one transaction; its result. Database failures are wrapped."""
        def run(conn):
            with conn.transaction():
                return func(conn)

        return self._run(run)

    # --- tables -----------------------------------------------------------------------

    def ensure_tables(self, org_key):
        """Create values_<key> and _current (hypertable on TimescaleDB) if missing."""
        ddl.validate_org_key(org_key)
        if org_key in self._ready_orgs and self._conn is not None and not self._conn.broken:
            return
        self.ddl_checks += 1
        info = self._run(lambda conn: ddl.create_value_tables(
            conn, org_key, chunk_interval=self.chunk_interval, timescale=self.timescale,
            connect=self._connect))
        self.timescaledb = {"status": info["timescaledb"], "hypertable": info["hypertable"],
                            "note": info["note"]}
        self._ready_orgs.add(org_key)

    def timescaledb_info(self):
        """{"status", "note"}: whether value tables here become hypertables, and why not when
        TimescaleDB exists but cannot be used (health shows the note)."""
        status = self._run(ddl.timescaledb_status)
        note = ddl.NOT_PRELOADED_NOTE if status == ddl.TIMESCALE_NOT_PRELOADED else None
        if self.timescaledb and self.timescaledb.get("note") and status != ddl.TIMESCALE_INSTALLED:
            note = self.timescaledb["note"]
        return {"status": status, "note": note}

    @staticmethod
    def _tables(org_key):
        values, current = ddl.table_names(org_key)
        return sql.Identifier(ddl.SCHEMA, values), sql.Identifier(ddl.SCHEMA, current)

    def _statement(self, conn, name, org_key):
        """The text of one of a write's statements for an org, composed once per connection:
        psycopg's `sql` composition (Identifier quoting, format, join) cost more CPU per tick
        than encoding the tick's rows."""
        key = (name, org_key)
        statement = self._statements.get(key)
        if statement is None:
            vt, ct = self._tables(org_key)
            statement = {
                "copy": lambda: _copy_into(vt),
                "watermark": lambda: _watermark_query(vt),
                "merge": lambda: self._merge_from_stage(vt),
                "current": lambda: _refresh_current_query(vt, ct, from_stage=False),
            }[name]().as_string(conn)
            self._statements[key] = statement
        return statement

    # --- write ------------------------------------------------------------------------

    def write(self, org_key, rows, *, before_commit=None, bulk=False):
        """Write one batch into the org's value tables, in one transaction; returns WriteStats.

        `rows` is a ValueRows, or an iterable of ValueRows chunks forming one batch (a long
        backfill streamed with memory bounded by a chunk; a later chunk wins over an earlier one
        on equal keys). `bulk=True` (for backfills into a new org): if the values table is empty,
        its indexes are dropped for the load and rebuilt before commit (see BulkIndexes).
        `before_commit(conn, stats)` runs inside the transaction, last.

        Raises DatabaseWriteError (nothing committed) on any database failure.
        """
        self.ensure_tables(org_key)
        replayable = isinstance(rows, ValueRows)  # a stream cannot be read twice
        try:
            return self._run(self._write, org_key, rows, before_commit, bulk,
                             replayable=replayable)
        except DatabaseWriteError as exc:
            # The DDL check is remembered per process: a table dropped since (an org deleted
            # and created again, a restore) is created again and the batch written once more.
            if not (replayable and isinstance(exc.cause, pg_errors.UndefinedTable)):
                raise
            log.warning("value database %s: tables of %s missing; creating them again",
                        self.key, org_key)
            self._ready_orgs.discard(org_key)
            self.ensure_tables(org_key)
            return self._run(self._write, org_key, rows, before_commit, bulk)

    def _write(self, conn, org_key, rows, before_commit, bulk):
        stats = WriteStats()
        vt, ct = self._tables(org_key)
        chunks = [rows] if isinstance(rows, ValueRows) else rows
        touched, literal = [], None
        with conn.transaction(), conn.cursor() as cur:
            loader = BulkIndexes.begin(conn, cur, vt, self.bulk_maintenance_work_mem) \
                if bulk and not ddl.timescaledb_available(conn) else None
            stats.bulk = loader is not None
            if loader is not None:
                # Rebuilding a backfill's indexes is one long statement by design: the
                # connection's statement timeout (for ticks) must not cancel it.
                cur.execute("SELECT set_config('statement_timeout', '0', true)")
            for chunk in chunks:
                chunk = chunk.dedupe()
                if not len(chunk):
                    continue
                if loader is not None and stats.max_ts is not None \
                        and chunk.min_ts() <= stats.max_ts:
                    # Chunks out of time order could repeat keys, and without the primary key
                    # nothing would notice: restore the indexes and go on normally.
                    loader = loader.finish(cur)
                if loader is not None:
                    self._copy(cur, self._statement(conn, "copy", org_key), chunk)
                    stats.copied += len(chunk)
                else:
                    # The entities' array literal serves the watermark probe and (one chunk,
                    # the tick's case) the _current refresh: built once.
                    literal = int_array_literal(chunk.entities())
                    self._write_chunk(conn, cur, vt, org_key, chunk, stats, literal)
                stats.add(chunk)
                touched.append(chunk.entities())
            if loader is not None:
                loader.finish(cur)
            if touched:
                if len(touched) > 1 or literal is None:
                    literal = int_array_literal(np.unique(np.concatenate(touched)))
                cur.execute(self._statement(conn, "current", org_key), (literal,))
                stats.current = cur.rowcount
            if before_commit is not None:
                before_commit(conn, stats)
        return stats

    def _write_chunk(self, conn, cur, vt, org_key, rows, stats, entities_literal):
        """COPY rows above the entities' watermark, upsert the rest."""
        cur.execute(self._statement(conn, "watermark", org_key), (entities_literal,))
        watermark = cur.fetchone()[0]
        if watermark is None:
            fresh, known = rows, rows[:0]
        else:
            new = rows.ts > watermark
            fresh, known = rows[new], rows[~new]
        if len(fresh):
            try:
                with conn.transaction():  # savepoint
                    self._copy(cur, self._statement(conn, "copy", org_key), fresh)
                stats.copied += len(fresh)
            except (pg_errors.UniqueViolation, pg_errors.DeadlockDetected):
                # A concurrent writer got there first (we take no table lock, so that
                # backfill chunks can be written in parallel): merge instead.
                log.info("%s: new range of %s already had rows; upserting instead",
                         self.key, org_key)
                known = ValueRows.concat([known, fresh]) if len(known) else fresh
        if len(known):
            self._upsert(cur, vt, known, self._statement(conn, "merge", org_key))
            stats.upserted += len(known)


    def _copy(self, cur, statement, rows):
        # More than one chunk: encode the next chunk while a thread sends the previous one, so
        # the client's numpy work overlaps the server instead of adding to it.
        writer = _BoundedQueuedWriter(cur) if len(rows) > self.chunk_rows else None
        with cur.copy(statement, writer=writer) as cp:
            cp.write(COPY_HEADER)
            for chunk in rows.chunks(self.chunk_rows):
                cp.write(encode_rows(chunk, self.decimals))
            cp.write(COPY_TRAILER)

    @staticmethod
    def _ensure_stage(cur):
        # Session temp table, created once per connection (IF NOT EXISTS: a cheap no-op after).
        cur.execute(sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {} (entity_id int4, ts timestamp, value_n numeric, "
            "value_b bool, value_s varchar, value_ts timestamp, status varchar)"
        ).format(sql.Identifier(STAGE_TABLE)))

    def _upsert(self, cur, vt, rows, merge):
        self._ensure_stage(cur)
        stage = sql.Identifier(STAGE_TABLE)
        for chunk in rows.chunks(self.upsert_chunk_rows):
            cur.execute(sql.SQL("TRUNCATE {}").format(stage))
            self._copy(cur, _copy_into(stage), chunk)
            cur.execute(merge)

    @staticmethod
    def _merge_from_stage(vt):
        excluded = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c))
                                      for c in _DATA_COLS)
        return sql.SQL(
            "INSERT INTO {vt} AS t ({cols}) SELECT {cols} FROM {stage} "
            "ON CONFLICT (entity_id, ts) DO UPDATE SET {sets} "
            "WHERE ({old}) IS DISTINCT FROM ({new})"
        ).format(
            vt=vt, cols=_COLS, stage=sql.Identifier(STAGE_TABLE),
            sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                                    for c in _DATA_COLS),
            old=sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in _DATA_COLS),
            new=excluded,
        )

    @staticmethod
    def _refresh_current(cur, vt, ct, entities, from_stage=False):
        """Newest stored row of each entity into _current, never moving it backwards."""
        cur.execute(_refresh_current_query(vt, ct, from_stage),
                    None if from_stage else (int_array_literal(entities),))
        return cur.rowcount

    # --- delete -----------------------------------------------------------------------

    def delete_entities(self, org_key, entity_ids, *, before_commit=None):
        """Delete every row of `entity_ids` from both tables (reset with clear data)."""
        ids = [int(i) for i in np.asarray(entity_ids, dtype=np.int64).tolist()]
        self.ensure_tables(org_key)

        def delete(conn):
            vt, ct = self._tables(org_key)
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(sql.SQL("DELETE FROM {} WHERE entity_id = ANY(%s::int4[])")
                            .format(vt), (ids,))
                deleted = cur.rowcount
                cur.execute(sql.SQL("DELETE FROM {} WHERE entity_id = ANY(%s::int4[])")
                            .format(ct), (ids,))
                if before_commit is not None:
                    before_commit(conn, WriteStats(rows=deleted))
            return deleted

        return self._run(delete)

    # --- read (tests, verification, catch-up) -----------------------------------------

    def read_rows(self, org_key, entity_ids=None, start=None, end=None, *, current=False):
        """Stored rows as ValueRows sorted by (entity_id, ts); value_n as float64.
        `current=True` reads the _current table instead."""
        vt, ct = self._tables(org_key)
        where, params = [], []
        if entity_ids is not None:
            where.append(sql.SQL("entity_id = ANY(%s::int4[])"))
            params.append([int(i) for i in np.asarray(entity_ids).tolist()])
        if start is not None:
            where.append(sql.SQL("ts >= %s"))
            params.append(_naive_utc(to_epoch_us(start)))
        if end is not None:
            where.append(sql.SQL("ts < %s"))
            params.append(_naive_utc(to_epoch_us(end)))
        query = sql.SQL(
            "SELECT entity_id, (extract(epoch FROM ts) * 1000000)::int8, value_n::float8, "
            "value_b, value_s, (extract(epoch FROM value_ts) * 1000000)::int8, status "
            "FROM {} {} ORDER BY entity_id, ts"
        ).format(ct if current else vt,
                 sql.SQL("WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL(""))

        def read(conn):
            with conn.cursor() as cur:
                cur.execute(query, params)
                return rows_from_tuples(cur.fetchall())

        return self._run(read)

    def min_ts(self, org_key):
        """Oldest stored ts (µs) of the org's values table, None when empty."""
        vt, _ = self._tables(org_key)
        return self._run(lambda conn: conn.execute(sql.SQL(
            "SELECT (extract(epoch FROM min(ts)) * 1000000)::int8 FROM {}").format(vt)
        ).fetchone()[0])

    def next_boundary(self, org_key, start_us, max_rows):
        """A ts (µs) such that [start, boundary) holds about `max_rows` rows; None if the rest
        of the table after `start` is smaller than that. Used to catch up in bounded chunks."""
        vt, _ = self._tables(org_key)

        def boundary(conn):
            row = conn.execute(sql.SQL(
                "SELECT (extract(epoch FROM ts) * 1000000)::int8 FROM {} WHERE ts >= %s "
                "ORDER BY ts OFFSET %s LIMIT 1").format(vt),
                (_naive_utc(start_us), max_rows)).fetchone()
            if row is None:
                return None
            if row[0] > start_us:
                return row[0]
            # More than max_rows rows share the start timestamp: take that whole timestamp.
            row = conn.execute(sql.SQL(
                "SELECT (extract(epoch FROM min(ts)) * 1000000)::int8 FROM {} WHERE ts > %s")
                .format(vt), (_naive_utc(start_us),)).fetchone()
            return row[0]

        return self._run(boundary)

    def export_binary(self, org_key, start_us, end_us):
        """Context manager: a psycopg Copy yielding the binary COPY of [start, end) rows."""
        vt, _ = self._tables(org_key)
        cond = sql.SQL("ts >= %s") + (sql.SQL(" AND ts < %s") if end_us is not None
                                       else sql.SQL(""))
        params = [_naive_utc(start_us)] + ([_naive_utc(end_us)] if end_us is not None else [])
        query = sql.SQL("COPY (SELECT {} FROM {} WHERE {}) TO STDOUT (FORMAT BINARY)").format(
            _COLS, vt, cond)
        return self.connection().cursor().copy(query, params)

    def max_ts(self, org_key):
        """Newest stored ts (µs) of the org's values table, None when empty."""
        vt, _ = self._tables(org_key)
        return self._run(lambda conn: conn.execute(sql.SQL(
            "SELECT (extract(epoch FROM max(ts)) * 1000000)::int8 FROM {}").format(vt)
        ).fetchone()[0])

    def import_binary(self, org_key, chunks, *, direct=False):
        """Write a binary COPY stream of value rows (e.g. another database's `export_binary`)
        in one transaction and refresh _current for its entities; returns the row count.

        The stream lands in the staging table (a temp table: no WAL). `direct=True` (the caller
        knows the range is newer than anything stored) then inserts it without conflict
        handling, falling back to the ON CONFLICT merge if that hits existing rows.
        """
        self.ensure_tables(org_key)

        def load(conn):
            vt, ct = self._tables(org_key)
            stage = sql.Identifier(STAGE_TABLE)
            with conn.transaction(), conn.cursor() as cur:
                self._ensure_stage(cur)
                cur.execute(sql.SQL("TRUNCATE {}").format(stage))
                with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)")
                              .format(stage, _COLS)) as cp:
                    for data in chunks:
                        cp.write(data)
                received = cur.rowcount
                merged = False
                if direct:
                    try:
                        with conn.transaction():
                            cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(
                                vt, _COLS, _COLS, stage))
                        merged = True
                    except (pg_errors.UniqueViolation, pg_errors.DeadlockDetected):
                        pass
                if not merged:
                    cur.execute(self._merge_from_stage(vt))
                self._refresh_current(cur, vt, ct, None, from_stage=True)
            return received

        return self._run(load, replayable=False)  # the stream is consumed

    def sync_state(self):
        """The secondary catch-up state store living in this database."""
        from .sync_state import PostgresSyncState

        return PostgresSyncState(self)


def _copy_into(table):
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, _COLS)


def _watermark_query(vt):
    """Newest stored ts (µs) among the entities of an int4[] parameter, or NULL when none of
    them has rows."""
    return sql.SQL(
        "SELECT (extract(epoch FROM max(m.ts)) * 1000000)::int8 "
        "FROM unnest(%s::int4[]) AS e(id) CROSS JOIN LATERAL "
        "(SELECT ts FROM {} WHERE entity_id = e.id ORDER BY ts DESC LIMIT 1) AS m"
    ).format(vt)


def _refresh_current_query(vt, ct, from_stage):
    """Newest stored row of each entity into _current, never moving it backwards: the entities
    of an int4[] parameter, or (from_stage) those of the staging table."""
    cols = ("ts",) + _DATA_COLS
    source = (sql.SQL("(SELECT DISTINCT entity_id AS id FROM {}) AS e")
              .format(sql.Identifier(STAGE_TABLE)) if from_stage
              else sql.SQL("unnest(%s::int4[]) AS e(id)"))
    return sql.SQL(
        "INSERT INTO {ct} AS c ({cols}) SELECT {vcols} FROM {source} CROSS JOIN LATERAL "
        "(SELECT * FROM {vt} WHERE entity_id = e.id ORDER BY ts DESC LIMIT 1) AS v "
        "ON CONFLICT (entity_id) DO UPDATE SET {sets} "
        "WHERE EXCLUDED.ts >= c.ts AND ({old}) IS DISTINCT FROM ({new})"
    ).format(
        ct=ct, vt=vt, cols=_COLS, source=source,
        vcols=sql.SQL(", ").join(sql.SQL("v.{}").format(sql.Identifier(c))
                                 for c in VALUE_COLUMNS),
        sets=sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                                for c in cols),
        old=sql.SQL(", ").join(sql.SQL("c.{}").format(sql.Identifier(c)) for c in cols),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c))
                               for c in cols),
    )


def int_array_literal(ids):
    """Integer ids as one PostgreSQL array literal ('{1,2,3}'): psycopg adapts a list element
    by element in Python, which for a tick's ~600 entities (twice per write) cost more CPU
    than the rest of the write."""
    return "{" + ",".join(map(str, np.asarray(ids, dtype=np.int64).tolist())) + "}"


def _naive_utc(us):
    """µs since epoch -> naive UTC datetime (what a `timestamp` column holds)."""
    return us_to_datetime(us).replace(tzinfo=None)
