"""SQLite value database for the embedded default: same tables and semantics, simpler path.

One `write` is one `BEGIN IMMEDIATE` transaction: `executemany` upsert of the rows in bounded
chunks (ON CONFLICT ... DO UPDATE, skipping unchanged rows), then `_current` refreshed from the
values table for the touched entities with the `excluded.ts >= current.ts` guard, then commit.
SQLite has no COPY and a single writer, so there is no fast path to choose; the column
conversion is still done with numpy, per chunk.

The file is shared with the running stack (web, worker, beat, a backfill): connections use WAL
(readers never wait for the writer, nor it for them) and wait up to `timeout` seconds for the
write lock. There is one writer at a time for the whole file, so a caller writing a lot keeps
its transactions short (the backfill commits chunks of HSIM_SQLITE_MAX_TRANSACTION_ROWS).

Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (Django's SQLite format), which sorts
chronologically, so the ts comparisons below are plain text comparisons.
"""

import json
import sqlite3

import numpy as np

from . import ddl
from .errors import DatabaseWriteError, InvalidRowsError
from .pg_copy import VALUE_COLUMNS
from .pg_writer import WriteStats
from .rows import ValueRows, rows_from_tuples, to_epoch_us

_DATA_COLS = ("value_n", "value_b", "value_s", "value_ts", "status")


def sqlite_ts_text(us):
    """µs since epoch (int or array) -> 'YYYY-MM-DD HH:MM:SS[.ffffff]' (array -> object array)."""
    arr = np.atleast_1d(np.asarray(us, dtype=np.int64))
    stamps = arr.astype("datetime64[us]")
    text = np.datetime_as_string(stamps, unit="s").astype(object)
    fractional = arr % 1_000_000 != 0
    if fractional.any():
        text[fractional] = np.datetime_as_string(stamps[fractional], unit="us")
    text = np.array([t.replace("T", " ") for t in text], dtype=object) if len(text) else text
    return text[0] if np.ndim(us) == 0 else text


def _ts_us(text):
    return None if text is None else to_epoch_us(text)


class SqliteValueDatabase:
    kind = "sqlite"

    def __init__(self, key, path, primary=False, *, decimals=6, chunk_rows=20_000, timeout=30):
        self.key = key
        self.path = str(path)
        self.primary = bool(primary)
        self.decimals = decimals
        self.chunk_rows = chunk_rows
        self.timeout = timeout
        self._conn = None
        self._ready_orgs = set()

    def __repr__(self):
        return f"<SqliteValueDatabase {self.key!r} {self.path}{' primary' if self.primary else ''}>"

    def connection(self):
        if self._conn is None:
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
                # Persistent in the file; a no-op once set (":memory:" stays "memory").
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # durable at every WAL checkpoint
            except sqlite3.Error as exc:
                conn.close()
                raise DatabaseWriteError(self.key, exc) from exc
            self._conn = conn
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._ready_orgs.clear()

    def _transaction(self, func, *args):
        try:
            conn = self.connection()
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise DatabaseWriteError(self.key, exc) from exc
        try:
            result = func(conn, *args)
            conn.execute("COMMIT")
            return result
        except BaseException as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if isinstance(exc, (InvalidRowsError, ValueError)) or not isinstance(exc, Exception):
                raise
            raise DatabaseWriteError(self.key, exc) from exc

    def run_in_transaction(self, func):
        """`func(conn)` inside one BEGIN IMMEDIATE transaction; its result."""
        return self._transaction(func)

    def ensure_tables(self, org_key):
        ddl.validate_org_key(org_key)
        if org_key not in self._ready_orgs:
            self._transaction(ddl.create_sqlite_value_tables, org_key)
            self._ready_orgs.add(org_key)

    def write(self, org_key, rows, *, before_commit=None, bulk=False):
        """Same contract as PostgresValueDatabase.write (`bulk` has no effect here)."""
        self.ensure_tables(org_key)
        values, current = ddl.table_names(org_key)
        set_cols = ", ".join(f"{c} = excluded.{c}" for c in _DATA_COLS)
        changed = " OR ".join(f'"{values}".{c} IS NOT excluded.{c}' for c in _DATA_COLS)
        upsert = (f'INSERT INTO "{values}" ({", ".join(VALUE_COLUMNS)}) VALUES (?,?,?,?,?,?,?) '
                  f"ON CONFLICT (entity_id, ts) DO UPDATE SET {set_cols} WHERE {changed}")

        def write(conn):
            stats = WriteStats()
            touched = []
            for part in ([rows] if isinstance(rows, ValueRows) else rows):
                part = part.dedupe()
                if not len(part):
                    continue
                for chunk in part.chunks(self.chunk_rows):
                    conn.executemany(upsert, self._tuples(chunk))
                stats.add(part)
                stats.upserted += len(part)
                touched.append(part.entities())
            if touched:
                stats.current = self._refresh_current(conn, values, current,
                                                      np.unique(np.concatenate(touched)))
            if before_commit is not None:
                before_commit(conn, stats)
            return stats

        try:
            return self._transaction(write)
        except DatabaseWriteError as exc:
            # Tables remembered as created but dropped since (org deleted and created again):
            # create them again and write the batch once more (a stream cannot be replayed).
            cause = exc.cause
            if not (isinstance(rows, ValueRows) and isinstance(cause, sqlite3.OperationalError)
                    and "no such table" in str(cause)):
                raise
            self._ready_orgs.discard(org_key)
            self.ensure_tables(org_key)
            return self._transaction(write)

    def _tuples(self, rows):
        n = len(rows)
        value_n = rows.rounded(self.decimals).astype(object)
        value_n[np.isnan(rows.value_n)] = None
        value_b = np.where(rows.value_b < 0, None, rows.value_b.astype(bool)).astype(object)
        value_s = rows.value_s if rows.value_s is not None else [None] * n
        if rows.value_ts is not None:
            vts = np.full(n, None, dtype=object)
            known = ~np.isnat(rows.value_ts)
            if known.any():
                vts[known] = sqlite_ts_text(rows.value_ts[known].astype(np.int64))
        else:
            vts = [None] * n
        return zip(rows.entity_id.tolist(), sqlite_ts_text(rows.ts).tolist(), value_n.tolist(),
                   value_b.tolist(), value_s, vts, rows.status_strings().tolist())

    @staticmethod
    def _refresh_current(conn, values, current, entities):
        cols = ", ".join(VALUE_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in ("ts",) + _DATA_COLS)
        changed = " OR ".join(f'"{current}".{c} IS NOT excluded.{c}' for c in ("ts",) + _DATA_COLS)
        cursor = conn.execute(
            f'INSERT INTO "{current}" ({cols}) SELECT {cols} FROM "{values}" AS v '
            f"WHERE v.entity_id IN (SELECT value FROM json_each(?)) "
            f'AND v.ts = (SELECT max(ts) FROM "{values}" w WHERE w.entity_id = v.entity_id) '
            f"ON CONFLICT (entity_id) DO UPDATE SET {sets} "
            f'WHERE excluded.ts >= "{current}".ts AND ({changed})',
            (json.dumps([int(e) for e in entities]),))
        return cursor.rowcount

    def delete_entities(self, org_key, entity_ids, *, before_commit=None):
        ids = json.dumps([int(i) for i in np.asarray(entity_ids, dtype=np.int64).tolist()])
        self.ensure_tables(org_key)
        values, current = ddl.table_names(org_key)

        def delete(conn):
            deleted = conn.execute(f'DELETE FROM "{values}" WHERE entity_id IN '
                                   f"(SELECT value FROM json_each(?))", (ids,)).rowcount
            conn.execute(f'DELETE FROM "{current}" WHERE entity_id IN '
                         f"(SELECT value FROM json_each(?))", (ids,))
            if before_commit is not None:
                before_commit(conn, WriteStats(rows=deleted))
            return deleted

        return self._transaction(delete)

    def read_rows(self, org_key, entity_ids=None, start=None, end=None, *, current=False):
        self.ensure_tables(org_key)
        values, current_table = ddl.table_names(org_key)
        where, params = [], []
        if entity_ids is not None:
            where.append("entity_id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps([int(i) for i in np.asarray(entity_ids).tolist()]))
        if start is not None:
            where.append("ts >= ?")
            params.append(sqlite_ts_text(to_epoch_us(start)))
        if end is not None:
            where.append("ts < ?")
            params.append(sqlite_ts_text(to_epoch_us(end)))
        query = (f'SELECT {", ".join(VALUE_COLUMNS)} FROM "{current_table if current else values}"'
                 + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY entity_id, ts")
        try:
            records = self.connection().execute(query, params).fetchall()
        except sqlite3.Error as exc:
            raise DatabaseWriteError(self.key, exc) from exc
        return rows_from_tuples([(e, _ts_us(t), n, b, s, _ts_us(t2), st)
                                 for e, t, n, b, s, t2, st in records])

    def min_ts(self, org_key):
        values, _ = ddl.table_names(org_key)
        row = self.connection().execute(f'SELECT min(ts) FROM "{values}"').fetchone()
        return _ts_us(row[0])

    def max_ts(self, org_key):
        values, _ = ddl.table_names(org_key)
        row = self.connection().execute(f'SELECT max(ts) FROM "{values}"').fetchone()
        return _ts_us(row[0])

    def next_boundary(self, org_key, start_us, max_rows):
        values, _ = ddl.table_names(org_key)
        start = sqlite_ts_text(start_us)
        conn = self.connection()
        row = conn.execute(f'SELECT ts FROM "{values}" WHERE ts >= ? ORDER BY ts '
                           f"LIMIT 1 OFFSET ?", (start, max_rows)).fetchone()
        if row is None:
            return None
        if row[0] > start:
            return _ts_us(row[0])
        row = conn.execute(f'SELECT min(ts) FROM "{values}" WHERE ts > ?', (start,)).fetchone()
        return _ts_us(row[0])

    def sync_state(self):
        from .sync_state import SqliteSyncState

        return SqliteSyncState(self)
