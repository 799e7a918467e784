"""Persistent catch-up state of secondary value databases, kept in the primary database.

One row per (secondary db_key, org_key) in `core.hsim_value_sync` (SQLite: `hsim_value_sync`):

- pending_from     the secondary may miss primary rows with ts >= this (NULL: in sync)
- pending_deletes  JSON list of entity ids deleted on the primary, not yet on the secondary
- pending_since    wall clock (UTC) since when it has been behind: lag_seconds = now - this
- status           ok | lagging | error; last_error, last_error_at, last_success_at
- seq              bumped by every mark and every failure

Circuit breakers (`core.hsim_value_breaker`, one row per secondary): after a secondary fails, its
breaker is *open* and writers stop trying it (the primary keeps marking what it misses), so a
hung secondary costs the fleet one connection attempt per probe period instead of one per tick.
`claim_probe` lets exactly one process (a write, or the periodic probe task) try it again once
`next_probe_at` has passed; a success closes the breaker and the catch-up follows.

Crash safety: the multi-database writer *marks* every secondary as pending inside the primary's
own write transaction (`mark_pending(conn, ...)` with the primary's connection), so the rows and
"secondaries owe these rows" commit together. A secondary that then receives the rows clears the
mark only if `seq` is still the one its mark returned; any concurrent mark or failure in between
leaves it pending, so the next write catches up instead of losing rows.
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from psycopg import sql

from . import ddl
from .rows import to_epoch_us, us_to_datetime

# "Everything": a pending_from older than any row (timestamp cannot hold -infinity portably).
BEGINNING_US = to_epoch_us(datetime(1, 1, 1))
STATUS_OK, STATUS_LAGGING, STATUS_ERROR = "ok", "lagging", "error"


@dataclass
class SyncRow:
    db_key: str
    org_key: str
    status: str = STATUS_OK
    pending_from: int = None  # µs
    pending_since: datetime = None
    pending_deletes: list = field(default_factory=list)
    seq: int = 0
    last_error: str = None
    last_error_at: datetime = None
    last_success_at: datetime = None


BREAKER_CLOSED, BREAKER_OPEN = "closed", "open"


@dataclass
class BreakerRow:
    db_key: str
    state: str = BREAKER_CLOSED
    opened_at: datetime = None
    next_probe_at: datetime = None
    last_error: str = None
    failures: int = 0
    probes: int = 0

    def as_dict(self):
        return {"state": self.state, "opened_at": self.opened_at,
                "next_probe_at": self.next_probe_at, "last_error": self.last_error,
                "failures": self.failures, "probes": self.probes}


@dataclass
class Mark:
    """What `mark_pending` left for one secondary."""

    seq: int
    pending_from: int  # µs, after the mark
    pending_deletes: list
    was_clean: bool  # nothing was pending before: the batch itself is all it misses


class _SyncStateBase:
    _COLUMNS = ("db_key, org_key, status, pending_from, pending_since, pending_deletes, seq, "
                "last_error, last_error_at, last_success_at")

    def __init__(self, database):
        self.database = database
        self._ready = False

    # dialect hooks: table (SQL text), transaction(), execute(conn, q, params), ts conversion
    def _q(self, text):
        return text.replace("{t}", self.table_sql)

    def ensure(self):
        if not self._ready:
            self._create()
            self._ready = True

    def mark_pending(self, conn, org_key, db_keys, from_us=None, delete_ids=()):
        """Inside the caller's transaction on `conn`: record that `db_keys` miss rows from
        `from_us` on and/or deletions of `delete_ids`. Returns {db_key: Mark}."""
        marks = {}
        now = self._ts_param_dt(datetime.now(timezone.utc))
        for key in db_keys:
            self._execute(conn, self._q(
                "INSERT INTO {t} (db_key, org_key) VALUES (%s, %s) "
                "ON CONFLICT (db_key, org_key) DO NOTHING"), (key, org_key))
            status, old_from, old_deletes, seq = self._execute(conn, self._q(
                "SELECT status, pending_from, pending_deletes, seq FROM {t} "
                "WHERE db_key = %s AND org_key = %s" + self.for_update), (key, org_key)
            ).fetchone()
            old_from = self._ts_read(old_from)
            old_deletes = json.loads(old_deletes) if old_deletes else []
            new_from = old_from if from_us is None else (
                from_us if old_from is None else min(old_from, from_us))
            new_deletes = sorted(set(old_deletes) | {int(i) for i in delete_ids})
            self._execute(conn, self._q(
                "UPDATE {t} SET pending_from = %s, pending_deletes = %s, "
                "pending_since = COALESCE(pending_since, %s), seq = seq + 1, status = %s "
                "WHERE db_key = %s AND org_key = %s"),
                (self._ts_param(new_from), json.dumps(new_deletes) if new_deletes else None, now,
                 STATUS_LAGGING if status == STATUS_OK else status, key, org_key))
            marks[key] = Mark(seq + 1, new_from, new_deletes,
                              was_clean=old_from is None and not old_deletes)
        return marks

    def record_success(self, org_key, db_key, seq):
        """The secondary received everything its mark `seq` covered: clear it unless a newer
        mark or failure happened since. Returns True when it is now in sync."""
        now = self._ts_param_dt(datetime.now(timezone.utc))
        with self._transaction() as conn:
            cleared = self._execute(conn, self._q(
                "UPDATE {t} SET status = 'ok', pending_from = NULL, pending_deletes = NULL, "
                "pending_since = NULL, last_success_at = %s "
                "WHERE db_key = %s AND org_key = %s AND seq = %s"),
                (now, db_key, org_key, seq)).rowcount == 1
            if not cleared:
                self._execute(conn, self._q(
                    "UPDATE {t} SET last_success_at = %s WHERE db_key = %s AND org_key = %s"),
                    (now, db_key, org_key))
        return cleared

    def record_progress(self, org_key, db_key, seq, pending_from_us, deletes_done=False):
        """Persist catch-up progress (rows before `pending_from_us` arrived) if `seq` holds."""
        extra = ", pending_deletes = NULL" if deletes_done else ""
        with self._transaction() as conn:
            return self._execute(conn, self._q(
                "UPDATE {t} SET pending_from = %s" + extra +
                " WHERE db_key = %s AND org_key = %s AND seq = %s"),
                (self._ts_param(pending_from_us), db_key, org_key, seq)).rowcount == 1

    def record_failure(self, org_key, db_key, error):
        now = self._ts_param_dt(datetime.now(timezone.utc))
        with self._transaction() as conn:
            self._execute(conn, self._q(
                "INSERT INTO {t} (db_key, org_key) VALUES (%s, %s) "
                "ON CONFLICT (db_key, org_key) DO NOTHING"), (db_key, org_key))
            self._execute(conn, self._q(
                "UPDATE {t} SET status = 'error', last_error = %s, last_error_at = %s, "
                "pending_since = COALESCE(pending_since, %s), seq = seq + 1 "
                "WHERE db_key = %s AND org_key = %s"),
                (str(error)[:2000], now, now, db_key, org_key))

    def request_resync(self, org_key, db_key, from_us=BEGINNING_US):
        """Make `db_key` catch up everything from `from_us` (e.g. a newly added secondary)."""
        with self._transaction() as conn:
            self.mark_pending(conn, org_key, [db_key], from_us=from_us)

    def rows(self, org_key=None):
        """All state rows (optionally of one org) as SyncRow."""
        query = "SELECT " + self._COLUMNS + " FROM {t}"
        params = ()
        if org_key is not None:
            query += " WHERE org_key = %s"
            params = (org_key,)
        with self._transaction() as conn:
            records = self._execute(conn, self._q(query + " ORDER BY db_key, org_key"),
                                    params).fetchall()
        return [SyncRow(r[0], r[1], r[2], self._ts_read(r[3]), self._dt_read(r[4]),
                        json.loads(r[5]) if r[5] else [], r[6], r[7], self._dt_read(r[8]),
                        self._dt_read(r[9])) for r in records]

    def _dt_read(self, value):
        us = self._ts_read(value)
        return None if us is None else us_to_datetime(us)

    # --- circuit breakers -------------------------------------------------------------

    def breakers(self):
        """{db_key: BreakerRow} of every secondary that ever failed."""
        with self._transaction() as conn:
            records = self._execute(conn, self._b(
                "SELECT db_key, state, opened_at, next_probe_at, last_error, failures, probes "
                "FROM {b}"), ()).fetchall()
        return {r[0]: BreakerRow(r[0], r[1], self._dt_read(r[2]), self._dt_read(r[3]), r[4],
                                 r[5], r[6]) for r in records}

    def open_breaker(self, db_key, error, probe_after_s):
        """Stop writers trying `db_key` until `probe_after_s` from now (a failed probe
        pushes the next one out again)."""
        now = datetime.now(timezone.utc)
        with self._transaction() as conn:
            self._execute(conn, self._b(
                "INSERT INTO {b} (db_key) VALUES (%s) ON CONFLICT (db_key) DO NOTHING"),
                (db_key,))
            self._execute(conn, self._b(
                "UPDATE {b} SET state = 'open', opened_at = CASE WHEN state = 'open' "
                "THEN opened_at ELSE %s END, next_probe_at = %s, last_error = %s, "
                "failures = failures + 1 WHERE db_key = %s"),
                (self._ts_param_dt(now), self._ts_param_dt(now + timedelta(seconds=probe_after_s)),
                 str(error)[:2000], db_key))

    def claim_probe(self, db_key, probe_after_s):
        """True for exactly one caller once an open breaker's probe time has come: that
        caller tries the database (and closes or re-opens the breaker)."""
        now = datetime.now(timezone.utc)
        with self._transaction() as conn:
            return self._execute(conn, self._b(
                "UPDATE {b} SET next_probe_at = %s, probes = probes + 1 "
                "WHERE db_key = %s AND state = 'open' AND next_probe_at <= %s"),
                (self._ts_param_dt(now + timedelta(seconds=probe_after_s)), db_key,
                 self._ts_param_dt(now))).rowcount == 1

    def close_breaker(self, db_key):
        """The secondary answered: writers try it again. True if it was open."""
        with self._transaction() as conn:
            return self._execute(conn, self._b(
                "UPDATE {b} SET state = 'closed', opened_at = NULL, next_probe_at = NULL "
                "WHERE db_key = %s AND state = 'open'"), (db_key,)).rowcount == 1

    def _b(self, text):
        return text.replace("{b}", self.breaker_sql)


class PostgresSyncState(_SyncStateBase):
    table_sql = f'"{ddl.SCHEMA}"."{ddl.SYNC_TABLE}"'
    breaker_sql = f'"{ddl.SCHEMA}"."{ddl.BREAKER_TABLE}"'
    for_update = " FOR UPDATE"

    def _create(self):
        ddl.create_sync_table(self.database.connection())

    @contextmanager
    def _transaction(self):
        conn = self.database.connection()
        with conn.transaction():
            yield conn

    @staticmethod
    def _execute(conn, query, params):
        return conn.execute(sql.SQL(query), params)

    @staticmethod
    def _ts_param(us):
        return None if us is None else us_to_datetime(us).replace(tzinfo=None)

    @staticmethod
    def _ts_param_dt(dt):
        return dt.astimezone(timezone.utc).replace(tzinfo=None)

    @staticmethod
    def _ts_read(value):
        return None if value is None else to_epoch_us(value)


class SqliteSyncState(_SyncStateBase):
    table_sql = f'"{ddl.SYNC_TABLE}"'
    breaker_sql = f'"{ddl.BREAKER_TABLE}"'
    for_update = ""  # BEGIN IMMEDIATE already holds the database's write lock

    def _create(self):
        conn = self.database.connection()
        conn.execute(ddl.SQLITE_SYNC_TABLE_STATEMENT)
        conn.execute(ddl.SQLITE_BREAKER_TABLE_STATEMENT)

    @contextmanager
    def _transaction(self):
        conn = self.database.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _execute(conn, query, params):
        return conn.execute(query.replace("%s", "?"), params)

    @staticmethod
    def _ts_param(us):
        from .sqlite_writer import sqlite_ts_text

        return None if us is None else sqlite_ts_text(us)

    @classmethod
    def _ts_param_dt(cls, dt):
        return cls._ts_param(to_epoch_us(dt))

    @staticmethod
    def _ts_read(value):
        return None if value is None else to_epoch_us(value)
