"""The beat scheduler: django-celery-beat's DatabaseScheduler, made to survive database outages
and to fire interval tasks on their grid.

- Outages: upstream lets an OperationalError from the schedule query escape `tick()`, and beat
  exits (CRITICAL) and stays dead; the embedded `-B` beat has no supervisor at all. Here a
  database error in `tick()` or at start-up is logged and retried every few seconds, so beat
  picks up where it was once the database answers again.
- Grid: upstream computes the next run of an interval task as `last_run_at + every`, where
  last_run_at is when beat *sent* it (a little late each time) or, after a restart, when the
  entry was reloaded: the phase drifts, and a restart moves it to restart time + n x interval.
  Here an interval task fires at `anchor + k x every`, anchored on its `start_time` (hsim phases
  each simulator's start_time just after an interval boundary, see services/schedule.py) or
  the epoch, whatever happened before.

- Scale: the scheduling core (changed rows only, a due heap, run state written in bulk, no
  double sends) is incremental.IncrementalScheduling, mixed in below.
"""

import logging
import time
from datetime import datetime, timedelta, timezone

from celery import schedules
from django.db import close_old_connections, connections
from django.db.utils import DatabaseError, InterfaceError
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from .incremental import IncrementalScheduling

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
RETRY_SECONDS = 5
DATABASE_ERRORS = (DatabaseError, InterfaceError)


class AnchoredSchedule(schedules.schedule):
    """Every `run_every`, at `anchor + k x run_every` (wall clock), not `last_run + every`.

    Due when the newest grid point is later than the last run: a grid point missed while beat
    was down fires once, at once; then it is back on the grid.
    """

    def __init__(self, run_every, anchor=EPOCH, relative=False, nowfun=None, app=None):
        super().__init__(run_every, relative=relative, nowfun=nowfun, app=app)
        self.anchor = anchor if anchor.tzinfo else anchor.replace(tzinfo=timezone.utc)

    def grid_point(self, now):
        """The newest grid point at or before `now`."""
        every = self.run_every.total_seconds()
        steps = (now - self.anchor).total_seconds() // every
        return self.anchor + timedelta(seconds=steps * every)

    def is_due(self, last_run_at):
        now = self.now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
        if last_run_at.tzinfo is None:
            last_run_at = last_run_at.replace(tzinfo=timezone.utc)
        point = self.grid_point(now)
        until_next = (point + self.run_every - now).total_seconds()
        if last_run_at < point:
            return schedules.schedstate(True, until_next)
        return schedules.schedstate(False, until_next)

    def __reduce__(self):
        return self.__class__, (self.run_every, self.anchor, self.relative, self.nowfun)

    def __eq__(self, other):
        return (isinstance(other, AnchoredSchedule) and self.run_every == other.run_every
                and self.anchor == other.anchor)

    def __hash__(self):
        return hash((self.run_every, self.anchor))

    def __repr__(self):
        return f"<anchored every {self.run_every} from {self.anchor.isoformat()}>"


class GridEntry(ModelEntry):
    """A PeriodicTask entry whose interval schedule is anchored (see AnchoredSchedule)."""

    def __init__(self, model, app=None):
        super().__init__(model, app=app)
        schedule = getattr(self, "schedule", None)
        if type(schedule) is schedules.schedule and model.interval_id is not None:
            self.schedule = AnchoredSchedule(schedule.run_every, model.start_time or EPOCH,
                                             nowfun=schedule.nowfun, app=self.app)


class HsimScheduler(IncrementalScheduling, DatabaseScheduler):
    Entry = GridEntry
    retry_seconds = RETRY_SECONDS

    def setup_schedule(self):
        """Start-up reads the database: wait for it instead of exiting."""
        delay = self.retry_seconds
        while True:
            try:
                return super().setup_schedule()
            except DATABASE_ERRORS as exc:
                self._database_down(exc, "start-up")
                time.sleep(delay)

    def tick(self, *args, **kwargs):
        try:
            return super().tick(*args, **kwargs)
        except DATABASE_ERRORS as exc:
            self._database_down(exc, "tick")
            return self.retry_seconds

    def _database_down(self, exc, where):
        log.warning("beat: database unavailable during %s (%s: %s); retrying in %s s",
                    where, type(exc).__name__, (str(exc).strip().splitlines() or [""])[0],
                    self.retry_seconds)
        # A broken connection is not reopened by Django inside beat's loop: drop it.
        for conn in connections.all(initialized_only=True):
            try:
                conn.close()
            except Exception:
                pass
        close_old_connections()
        if self._schedule is None:
            self._initial_read = True  # the first read failed: read everything again
