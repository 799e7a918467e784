"""Write every batch to several value databases: one primary, any number of secondaries.

- The primary is written first, in one transaction that also *marks* every secondary as owing
  the batch (see sync_state). If the primary fails, `PrimaryDatabaseError` is raised and nothing
  is written anywhere: the primary rolled back (marks included) and no secondary was touched.
- Then each secondary. One that was in sync gets the batch directly. One that was behind first
  catches up from its watermark (`pending_from`): the primary's rows from there on are copied in
  bounded chunks (binary COPY piped between two PostgreSQL databases, read/write otherwise), its
  pending deletions applied, progress persisted after every chunk. A secondary failure is
  recorded against it (status error, last error, pending rows kept) and never fails the batch.
- A secondary that fails opens its circuit breaker (sync_state): from then on writes skip it
  without a connection attempt, across every process, and its marks keep piling up in the
  primary. Once `probe_after_s` has passed, one caller (a write, or `probe_secondaries()` from
  the periodic task) may try it; a success closes the breaker and catches it up. A hung
  secondary thus costs the fleet one connect timeout per probe period, not one per tick.
- `status()` gives per-database status, lag, last error and circuit for metrics and health.

The primary's status is this process's last outcome (it cannot record its own failure in itself);
secondaries' status is read from the state table, so every process sees the same.
"""

import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .errors import InvalidRowsError, PrimaryDatabaseError, describe
from .pg_writer import PostgresValueDatabase
from .rows import ValueRows, to_epoch_us, us_to_datetime
from .sync_state import (
    BEGINNING_US,
    BREAKER_CLOSED,
    BREAKER_OPEN,
    STATUS_ERROR,
    STATUS_LAGGING,
    STATUS_OK,
)

log = logging.getLogger(__name__)


@dataclass
class DatabaseOutcome:
    key: str
    primary: bool
    ok: bool
    rows_written: int = 0  # rows of this batch written (directly or by the catch-up)
    caught_up_rows: int = 0  # rows copied from the primary by a catch-up
    duration_s: float = 0.0
    error: str = None
    skipped: bool = False  # not tried: its circuit breaker is open


@dataclass
class WriteReport:
    rows: int  # distinct rows of the batch, committed to the primary
    duration_s: float
    outcomes: list = field(default_factory=list)

    @property
    def ok(self):
        return all(o.ok for o in self.outcomes)

    @property
    def failed(self):
        return [o.key for o in self.outcomes if not o.ok]


class MultiDatabaseWriter:
    def __init__(self, databases, state_store=None, *, catch_up_rows=500_000,
                 probe_after_s=30, secondary_deadline_s=30):
        """`databases`: value database objects (see open_value_database), exactly one primary.
        `state_store`: where secondary catch-up state lives; by default a table in the primary
        (it must be, for marks to commit atomically with the primary's rows)."""
        databases = list(databases)
        primaries = [db for db in databases if db.primary]
        if len(primaries) != 1:
            raise ValueError(f"exactly one primary value database is required, got "
                             f"{[db.key for db in primaries] or 'none'}")
        keys = [db.key for db in databases]
        if len(set(keys)) != len(keys):
            raise ValueError(f"value database keys must be unique: {keys}")
        self.primary = primaries[0]
        self.secondaries = [db for db in databases if not db.primary]
        self.databases = [self.primary] + self.secondaries
        self.state = state_store if state_store is not None else self.primary.sync_state()
        self.catch_up_rows = catch_up_rows
        self.probe_after_s = probe_after_s
        # Client-side bound on each secondary operation (a batch, a catch-up chunk, a probe):
        # a secondary that hangs on an open connection fails instead of holding the tick.
        self.secondary_deadline_s = secondary_deadline_s
        self._primary_status = {"status": STATUS_OK, "last_error": None, "last_error_at": None,
                                "last_success_at": None}
        self._last_outcome = {}
        self._breakers = {}  # as last read by _gates
        self._state_ready = False

    # --- writes -----------------------------------------------------------------------

    def ensure_tables(self, org_key):
        """Create the org's tables everywhere; a secondary failure is recorded, not raised."""
        self._on_primary(lambda: self.primary.ensure_tables(org_key))
        gates = self._gates()
        for db in self.secondaries:
            if not gates[db.key]:
                continue  # breaker open: its catch-up creates them
            try:
                with self._deadline(db):
                    db.ensure_tables(org_key)
            except Exception as exc:  # it will be created by its next write or catch-up
                log.warning("value database %s: ensure_tables failed: %s", db.key, exc)
                self._trip(db.key, describe(getattr(exc, "cause", exc)))

    def write(self, org_key, rows, *, bulk=False):
        """Write one batch to every database; returns WriteReport. Raises PrimaryDatabaseError.

        `rows`: ValueRows, or an iterable of ValueRows chunks forming one batch (streamed; the
        secondaries then copy it from the primary in bounded chunks). `bulk`: see
        PostgresValueDatabase.write (index rebuild when loading into an empty table).
        """
        started = time.monotonic()
        if isinstance(rows, ValueRows):
            rows = rows.dedupe()
        marks = {}

        def mark(conn, stats):
            if self.secondaries and stats.rows:
                marks.update(self.state.mark_pending(
                    conn, org_key, [db.key for db in self.secondaries], from_us=stats.min_ts))

        stats = self._on_primary(lambda: self.primary.write(
            org_key, rows, before_commit=mark, bulk=bulk))
        report = WriteReport(rows=stats.rows, duration_s=0.0, outcomes=[DatabaseOutcome(
            self.primary.key, True, True, rows_written=stats.rows,
            duration_s=time.monotonic() - started)])
        gates = self._gates() if marks else {}
        for db in self.secondaries:
            if db.key in marks and not gates[db.key]:
                report.outcomes.append(self._skipped(db))
            elif db.key in marks:
                report.outcomes.append(self._sync_secondary(
                    db, org_key, marks[db.key], rows if isinstance(rows, ValueRows) else None,
                    stats.rows, bulk))
        report.duration_s = time.monotonic() - started
        return report

    def delete_entities(self, org_key, entity_ids):
        """Delete the entities' rows from every database (reset with clear data). A secondary
        that fails keeps the deletion pending and applies it before its next catch-up."""
        started = time.monotonic()
        ids = [int(i) for i in entity_ids]
        marks = {}

        def mark(conn, stats):
            if self.secondaries and ids:
                marks.update(self.state.mark_pending(
                    conn, org_key, [db.key for db in self.secondaries], delete_ids=ids))

        deleted = self._on_primary(lambda: self.primary.delete_entities(
            org_key, ids, before_commit=mark))
        report = WriteReport(rows=deleted, duration_s=0.0, outcomes=[DatabaseOutcome(
            self.primary.key, True, True, rows_written=deleted)])
        gates = self._gates() if marks else {}
        for db in self.secondaries:
            if db.key in marks and not gates[db.key]:
                report.outcomes.append(self._skipped(db))
            elif db.key in marks:
                report.outcomes.append(self._sync_secondary(db, org_key, marks[db.key]))
        report.duration_s = time.monotonic() - started
        return report

    def catch_up(self, org_key):
        """Bring every lagging secondary of the org up to date now (without a new batch)."""
        self._ensure_state()
        outcomes = []
        pending = {row.db_key for row in self._on_primary(lambda: self.state.rows(org_key))
                   if row.pending_from is not None or row.pending_deletes}
        gates = self._gates() if pending else {}
        for db in self.secondaries:
            if db.key in pending and not gates[db.key]:
                outcomes.append(self._skipped(db))
            elif db.key in pending:
                def mark(conn, key=db.key):
                    return self.state.mark_pending(conn, org_key, [key])[key]
                outcomes.append(self._sync_secondary(db, org_key, self._mark_now(mark)))
        return outcomes

    def probe_secondaries(self):
        """The background probe: try each secondary whose breaker is open and due for a
        probe (one process wins each probe); one that answers gets its breaker closed and
        every org it owes caught up. Returns {db_key: "closed" | "still_open" | "not_due"}."""
        if not self.secondaries:
            return {}
        self._ensure_state()
        breakers = self._call_primary(self.state.breakers)
        result = {}
        for db in self.secondaries:
            row = breakers.get(db.key)
            if row is None or row.state != BREAKER_OPEN:
                continue
            if not self._call_primary(lambda k=db.key: self.state.claim_probe(
                    k, self.probe_after_s)):
                result[db.key] = "not_due"
                continue
            try:
                with self._deadline(db):
                    db.connection().execute("SELECT 1")
            except Exception as exc:
                self._trip(db.key, describe(getattr(exc, "cause", exc)))
                result[db.key] = "still_open"
                continue
            self._close_breaker(db.key)
            result[db.key] = "closed"
            orgs = sorted({r.org_key for r in self._call_primary(self.state.rows)
                           if r.db_key == db.key and (r.pending_from is not None
                                                      or r.pending_deletes)})
            for org_key in orgs:
                def mark(conn, key=db.key, org=org_key):
                    return self.state.mark_pending(conn, org, [key])[key]
                outcome = self._sync_secondary(db, org_key, self._mark_now(mark))
                if not outcome.ok:
                    result[db.key] = "still_open"
                    break
        return result

    def request_resync(self, db_key, org_key, since=None):
        """Make secondary `db_key` copy the primary's rows of `org_key` from `since` (default:
        all of them) on its next write or catch_up, e.g. after adding a new secondary."""
        if db_key not in {db.key for db in self.secondaries}:
            raise ValueError(f"{db_key!r} is not a secondary value database")
        self._ensure_state()
        since_us = BEGINNING_US if since is None else to_epoch_us(since)
        self._on_primary(lambda: self.state.request_resync(org_key, db_key, since_us))

    def close(self):
        for db in self.databases:
            db.close()

    # --- internals --------------------------------------------------------------------

    def _ensure_state(self):
        if self.secondaries and not self._state_ready:
            self._call_primary(self.state.ensure)
            self._state_ready = True

    def _on_primary(self, func):
        self._ensure_state()
        return self._call_primary(func)

    def _call_primary(self, func):
        """Run a primary operation; any database failure becomes PrimaryDatabaseError."""
        try:
            result = func()
        except (InvalidRowsError, ValueError, PrimaryDatabaseError):
            raise
        except Exception as exc:
            self._primary_status.update(status=STATUS_ERROR, last_error=describe(exc),
                                        last_error_at=_now())
            raise PrimaryDatabaseError(self.primary.key, getattr(exc, "cause", exc)) from exc
        self._primary_status.update(status=STATUS_OK, last_success_at=_now())
        return result

    def _gates(self):
        """{db_key: may this call try it}: closed breakers yes; open ones only for the one
        caller that claims a due probe (half-open). One query on the primary."""
        if not self.secondaries:
            return {}
        try:
            breakers = self.state.breakers()
        except Exception as exc:  # cannot read them: try everyone, as before breakers
            log.warning("circuit breakers unreadable: %s", exc)
            return {db.key: True for db in self.secondaries}
        self._breakers = breakers
        gates = {}
        for db in self.secondaries:
            row = breakers.get(db.key)
            if row is None or row.state != BREAKER_OPEN:
                gates[db.key] = True
            else:
                try:
                    gates[db.key] = self.state.claim_probe(db.key, self.probe_after_s)
                except Exception:
                    gates[db.key] = False
                if gates[db.key]:
                    log.info("secondary value database %s: trying it again (half-open)",
                             db.key)
        return gates

    def _deadline(self, db):
        bound = getattr(db, "deadline", None)  # PostgreSQL; a local SQLite file cannot hang
        return bound(self.secondary_deadline_s) if bound else contextlib.nullcontext()

    def _skipped(self, db):
        row = self._breakers.get(db.key)
        outcome = DatabaseOutcome(db.key, False, False, skipped=True, error=(
            f"circuit open since {row.opened_at:%Y-%m-%d %H:%M:%S} UTC"
            + (f" ({row.last_error})" if row.last_error else "") if row else "circuit open"))
        self._last_outcome[db.key] = outcome
        return outcome

    def _trip(self, db_key, error):
        try:
            self.state.open_breaker(db_key, error, self.probe_after_s)
            log.warning("secondary value database %s: circuit open for %s s after: %s",
                        db_key, self.probe_after_s, error)
        except Exception as exc:  # primary gone too: every write fails anyway
            log.error("could not open the circuit of %s: %s", db_key, exc)

    def _close_breaker(self, db_key):
        try:
            if self.state.close_breaker(db_key):
                log.warning("secondary value database %s answers again: circuit closed",
                            db_key)
        except Exception as exc:
            log.error("could not close the circuit of %s: %s", db_key, exc)

    def _mark_now(self, mark):
        """Run a mark in its own primary transaction (catch_up without a batch)."""
        return self._on_primary(lambda: self.primary.run_in_transaction(mark))

    def _sync_secondary(self, db, org_key, mark, rows=None, batch_rows=0, bulk=False):
        """Bring one secondary up to date after the primary committed (and marked it)."""
        started = time.monotonic()
        outcome = DatabaseOutcome(db.key, False, True)
        try:
            if mark.was_clean and rows is not None:  # in sync before: just this batch
                with self._deadline(db):
                    outcome.rows_written = db.write(org_key, rows, bulk=bulk).rows
            elif mark.was_clean and mark.pending_from is None:  # in sync: just this deletion
                with self._deadline(db):
                    db.delete_entities(org_key, mark.pending_deletes)
            else:  # behind, or a streamed batch: copy from the primary
                outcome.caught_up_rows = self._catch_up(db, org_key, mark)
                outcome.rows_written = batch_rows
            self.state.record_success(org_key, db.key, mark.seq)
            if self._breakers.get(db.key) and self._breakers[db.key].state == BREAKER_OPEN:
                self._close_breaker(db.key)
                self._breakers.pop(db.key, None)
        except Exception as exc:
            outcome.ok, outcome.error = False, describe(getattr(exc, "cause", exc))
            log.warning("secondary value database %s failed for org %s: %s",
                        db.key, org_key, outcome.error)
            try:
                self.state.record_failure(org_key, db.key, outcome.error)
            except Exception as state_exc:  # primary gone meanwhile: the mark stays pending
                log.error("could not record failure of %s: %s", db.key, state_exc)
            self._trip(db.key, outcome.error)
            db.close()  # a half-dead connection must not be reused by the next write
        outcome.duration_s = time.monotonic() - started
        self._last_outcome[db.key] = outcome
        return outcome

    def _catch_up(self, db, org_key, mark):
        """Copy the primary's rows from mark.pending_from on, in bounded chunks, persisting
        progress after each; pending deletions first."""
        with self._deadline(db):
            db.ensure_tables(org_key)
            if mark.pending_deletes:
                db.delete_entities(org_key, mark.pending_deletes)
        start = mark.pending_from
        if start is None:
            return 0
        if start == BEGINNING_US:
            start = self.primary.min_ts(org_key)
            if start is None:
                return 0
        copied = 0
        while True:
            end = self.primary.next_boundary(org_key, start, self.catch_up_rows)
            with self._deadline(db):  # per chunk: a long catch-up is fine, a hang is not
                copied += self._copy_window(db, org_key, start, end)
            if end is None:
                return copied
            self.state.record_progress(org_key, db.key, mark.seq, end,
                                       deletes_done=bool(mark.pending_deletes))
            start = end

    def _copy_window(self, db, org_key, start, end):
        """Rows [start, end) of the primary into `db`; returns how many."""
        if not (isinstance(self.primary, PostgresValueDatabase)
                and isinstance(db, PostgresValueDatabase)):
            rows = self.primary.read_rows(org_key, start=start, end=end)
            if len(rows):
                db.write(org_key, rows)
            return len(rows)
        # Binary COPY TO from the primary piped into the secondary: no decoding, exact values,
        # memory bounded by the window. Straight into the table when the secondary holds
        # nothing that new (it is behind), through its staging table + upsert otherwise.
        newest = db.max_ts(org_key)
        with self.primary.export_binary(org_key, start, end) as source:
            return db.import_binary(org_key, iter(source),
                                    direct=newest is None or newest < start)

    # --- status -----------------------------------------------------------------------

    def status(self, org_key=None):
        """[{key, primary, status: ok|lagging|error, lag_seconds, pending_from, last_error,
        last_error_at, last_success_at}] per database (secondaries aggregated over orgs)."""
        now = _now()
        result = [dict(key=self.primary.key, primary=True, lag_seconds=0.0, pending_from=None,
                       circuit=None, **self._primary_status)]
        try:
            self._ensure_state()
            rows = self.state.rows(org_key) if self.secondaries else []
            breakers = self.state.breakers() if self.secondaries else {}
            readable = True
        except Exception:
            rows, breakers, readable = [], {}, False
        for db in self.secondaries:
            mine = [r for r in rows if r.db_key == db.key]
            entry = dict(key=db.key, primary=False, status=STATUS_OK, lag_seconds=0.0,
                         pending_from=None, last_error=None, last_error_at=None,
                         last_success_at=None)
            if mine:
                pending = [r for r in mine if r.pending_from is not None or r.pending_deletes]
                if any(r.status == STATUS_ERROR for r in mine):
                    entry["status"] = STATUS_ERROR
                elif pending:
                    entry["status"] = STATUS_LAGGING
                froms = [r.pending_from for r in pending if r.pending_from is not None]
                entry["pending_from"] = us_to_datetime(min(froms)) if froms else None
                since = [r.pending_since for r in pending if r.pending_since is not None]
                entry["lag_seconds"] = max(((now - s).total_seconds() for s in since),
                                           default=0.0)
                errors = [r for r in mine if r.last_error_at is not None]
                if errors:
                    latest = max(errors, key=lambda r: r.last_error_at)
                    entry["last_error"], entry["last_error_at"] = (latest.last_error,
                                                                   latest.last_error_at)
                successes = [r.last_success_at for r in mine if r.last_success_at]
                entry["last_success_at"] = max(successes) if successes else None
            elif not readable and db.key in self._last_outcome:
                last = self._last_outcome[db.key]
                entry["status"] = STATUS_OK if last.ok else STATUS_ERROR
                entry["last_error"] = last.error
            breaker = breakers.get(db.key)
            entry["circuit"] = breaker.as_dict() if breaker else {
                "state": BREAKER_CLOSED, "opened_at": None, "next_probe_at": None,
                "last_error": None, "failures": 0, "probes": 0}
            if breaker and breaker.state == BREAKER_OPEN:
                entry["status"] = STATUS_ERROR
                entry["last_error"] = entry["last_error"] or breaker.last_error
            result.append(entry)
        return result


def _now():
    return datetime.now(timezone.utc)


__all__ = ["MultiDatabaseWriter", "WriteReport", "DatabaseOutcome", "ValueRows"]
