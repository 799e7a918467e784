"""The scheduling core of hsim's beat: incremental changes, a due heap, batched sends.

What upstream DatabaseScheduler does per change and per send, and what this does instead:

- a change anywhere -> reload every entry (1.2 s at 20,000): here the changed rows only
  (changes.ChangeFeed), applied to the one entry each touches;
- before every send, compare the whole schedule (13.7 ms at 20,000): here a heap of next-due
  times (due_heap.DueHeap) and, per tick, every entry due now sent in batches;
- a SELECT and an UPDATE per send, bumping `date_changed`: here one UPDATE per batch of
  sends (run_state.RunStateWriter), written before the batch is published;
- one send at a time: here a batch goes out over a few broker connections at once
  (publishing.Publisher).

No double sends: the run state in memory is the truth between writes. When a row is re-read
(someone saved it, or the overlap window shows it again), the entry keeps the later of its
own `last_run_at` and the database's, so a grid point already sent is never due again. After a
restart the database's `last_run_at` (written before each send) says the same; a grid point
missed while beat was down is due once (see scheduler.AnchoredSchedule).

The full load runs once at start-up (or after a failed first read), and `full_loads` counts
it: the tests assert a start, a stop, an interval change and a delete leave it at 1.
"""

import logging
import sys
import time
from datetime import datetime

from celery.utils.time import maybe_make_aware
from django.conf import settings
from django.db import connections
from django.db.utils import DatabaseError, InterfaceError

from .changes import ChangeFeed
from .due_heap import DueHeap
from .publishing import Publisher
from .run_state import RunStateWriter
from .send_log import SendLog

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often to look at the change row
RECONCILE_SECONDS = 300  # the full id/version scan (upstream's full reload period)
SEND_BATCH = 500  # sends per run-state write
SEND_BUDGET_SECONDS = 1.0  # then look for changes again before sending on


class IncrementalScheduling:
    """Mixed into a DatabaseScheduler (see scheduler.HsimScheduler)."""

    poll_seconds = POLL_SECONDS
    reconcile_seconds = RECONCILE_SECONDS
    send_batch = SEND_BATCH
    send_budget_seconds = SEND_BUDGET_SECONDS
    database_errors = (DatabaseError, InterfaceError)

    def __init__(self, *args, **kwargs):
        # Before the base __init__: it sets the schedule up, which reads the database.
        self.full_loads = 0
        self.changes_applied = 0
        self.sends = 0
        self._by_id = {}
        self._due = DueHeap()
        self.feed = ChangeFeed()
        self.run_state = RunStateWriter()
        self.send_log = SendLog()
        self.publisher = Publisher(kwargs.get("app") or args[0])
        self._next_poll = 0.0
        super().__init__(*args, **kwargs)
        if _standalone_beat() and not getattr(settings, "HSIM_BEAT_TASK_SENT_EVENTS", False):
            # Half of each send's cost is the task-sent event; the embedded beat shares the
            # worker's app configuration, so only a beat process of its own turns it off.
            self.app.conf.task_send_sent_event = False

    # --- the schedule -------------------------------------------------------------------
    @property
    def schedule(self):
        if self._initial_read:
            self._full_load()
        return self._schedule

    def enabled_models_qs(self):
        # Every enabled row: upstream leaves far-off crontab and clocked rows to its periodic
        # full reload, which this scheduler does not do.
        return self.Model.objects.enabled()

    def _full_load(self):
        self.full_loads += 1
        self._initial_read = False
        self._last_full_sync = datetime.now()
        previous = self._by_id
        try:
            self._flush_run_state(quiet=True)
            self.feed.prime()
            models = self.enabled_models()
        except Exception:
            self._initial_read = True  # read everything again next time
            raise
        self._schedule, self._by_id = {}, {}
        self._due.clear()
        for model in models:
            self._apply(model, previous.get(model.id))
        self._next_poll = time.monotonic() + self.poll_seconds
        log.info("beat: full load of %s entries (the only one unless the first read fails)",
                 len(self._by_id))

    def update_from_dict(self, mapping):
        """Entries from settings (beat_schedule): written to the database, then applied."""
        for name, fields in mapping.items():
            try:
                entry = self.Entry.from_entry(name, app=self.app, **fields)
            except Exception as exc:
                log.exception("beat: cannot add entry %r: %r", name, exc)
                continue
            self.feed.note(entry.model)
            self._apply(entry.model)

    def _apply(self, model, old=None):
        """Upsert (or, disabled, remove) the entry of one row."""
        old = old if old is not None else self._by_id.get(model.id)
        if not model.enabled:
            return self._drop(model.id)
        try:
            entry = self.Entry(model, app=self.app)
        except ValueError:
            return self._drop(model.id)
        if old is not None:
            if old.name != entry.name:
                self._schedule.pop(old.name, None)
            # The later run wins: the database may not have this beat's newest send yet, or
            # may have been saved from a form read before it.
            if _aware(old.last_run_at) > _aware(entry.last_run_at):
                entry.last_run_at = model.last_run_at = old.last_run_at
            entry.total_run_count = model.total_run_count = max(
                old.total_run_count, entry.total_run_count)
        self._by_id[model.id] = entry
        self._schedule[entry.name] = entry
        self._push(model.id, entry)

    def _drop(self, task_id):
        entry = self._by_id.pop(task_id, None)
        if entry is not None and self._schedule.get(entry.name) is entry:
            del self._schedule[entry.name]
        self._due.discard(task_id)

    def _push(self, task_id, entry):
        try:
            is_due, delay = entry.is_due()
        except Exception:
            is_due, delay = self._is_due_failed(entry)
        self._due.push(task_id, entry, time.time() + (0 if is_due else max(delay, 0)))

    def _apply_changes(self, changed, removed):
        for task_id in removed:
            self._drop(task_id)
        for model in changed:
            self._apply(model)
        self.changes_applied += len(changed) + len(removed)
        if changed or removed:
            log.info("beat: applied %s changed and %s removed rows", len(changed), len(removed))

    # --- the loop -----------------------------------------------------------------------
    def tick(self, *args, **kwargs):
        """Apply changes, send everything due (within a time budget), say when to come back."""
        if self._initial_read:
            self._full_load()
        monotonic = time.monotonic()
        if (datetime.now() - self._last_full_sync).total_seconds() >= self.reconcile_seconds:
            self._last_full_sync = datetime.now()
            self._apply_changes(*self.feed.reconcile())
        if monotonic >= self._next_poll:
            self._next_poll = monotonic + self.poll_seconds
            try:
                self._apply_changes(*self.feed.poll())
            except self.database_errors as exc:
                # Sends go on from the schedule in memory (as upstream's do); polled again
                # in a moment.
                self._database_down(exc, "change poll")
        began = time.monotonic()
        while self._send_due():
            if time.monotonic() - began >= self.send_budget_seconds:
                return 0  # more may be due: back at once, after a look at the changes
        self.send_log.flush()
        if self.run_state.pending:
            self._flush_run_state()
        until = self._next_poll - time.monotonic()
        when = self._due.next_when()
        if when is not None:
            until = min(until, when - time.time())
        return max(0.0, min(until, self.max_interval))

    def _send_due(self):
        """Send one batch of due entries; how many were sent."""
        now = time.time()
        batch = []
        while len(batch) < self.send_batch:
            item = self._due.pop_due(now)
            if item is None:
                break
            task_id, entry = item
            try:
                is_due, delay = entry.is_due()
            except Exception:
                is_due, delay = self._is_due_failed(entry)
            if is_due:
                batch.append((task_id, entry))
            else:  # heap said due, the entry says later (start_time, a clock step)
                self._due.push(task_id, entry, now + max(delay, 0.05))
        if not batch:
            return 0
        ran = self.app.now()
        for task_id, entry in batch:
            entry.last_run_at = entry.model.last_run_at = ran
            entry.total_run_count = entry.model.total_run_count = entry.total_run_count + 1
            self.run_state.add(task_id, ran, entry.total_run_count)
        self._flush_run_state()  # before the sends: a crash now misses, never doubles
        for entry, message_id, sent_at in self.publisher.send_many([e for _, e in batch]):
            if message_id is not None:
                grid = getattr(entry.schedule, "grid_point", None)
                point = grid(ran).timestamp() if grid else None
                self.send_log.record(sent_at, point, message_id, entry.name)
        for task_id, entry in batch:
            self._push(task_id, entry)
        self.sends += len(batch)
        return len(batch)

    # --- run state ----------------------------------------------------------------------
    def sync(self):
        self._flush_run_state()

    def close(self):
        self.publisher.close()
        super().close()

    def _flush_run_state(self, quiet=False):
        try:
            self.run_state.flush()
        except self.database_errors as exc:
            # Sends go on from memory; the rows stay queued for the next write.
            if not quiet:
                log.warning("beat: could not write run state of %s entries (%s); retrying",
                            len(self.run_state.pending), type(exc).__name__)
            for conn in connections.all(initialized_only=True):
                try:
                    conn.close()
                except Exception:
                    pass


def _standalone_beat():
    from hsim_project.celery import celery_service

    return celery_service(sys.argv) == "beat"


def _aware(value):
    return maybe_make_aware(value) if value is not None else datetime.min.replace(
        tzinfo=maybe_make_aware(datetime.now()).tzinfo)
