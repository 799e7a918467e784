"""Beat's run state (`last_run_at`, `total_run_count`) written in bulk.

Upstream saves each entry after its send: a SELECT and a full-row UPDATE per send (40,000
statements for a burst of 20,000), and the save bumps `date_changed`, so every send looks like
a schedule change. Here the scheduler queues the values and writes a whole batch with one
statement (`UPDATE ... FROM (VALUES ...)` on PostgreSQL), before it publishes the batch: a
beat killed between the write and the sends misses those grid points (the next tick of each
simulator fills the gap) instead of sending them twice after its restart.

The statement touches neither `date_changed` nor the change row: beat's own bookkeeping is not
a schedule change.
"""

import logging

from django.db import connection
from django_celery_beat.models import PeriodicTask

log = logging.getLogger(__name__)

CHUNK = 1000  # rows per statement (bounded parameter count)


class RunStateWriter:
    def __init__(self):
        self.pending = {}  # PeriodicTask id -> (last_run_at, total_run_count)
        self.statements = 0
        self.rows = 0

    def add(self, task_id, last_run_at, total_run_count):
        self.pending[task_id] = (last_run_at, total_run_count)

    def forget(self, task_id):
        self.pending.pop(task_id, None)

    def flush(self):
        """Write everything queued; raises the database's error (the rows stay queued)."""
        if not self.pending:
            return 0
        adapt = connection.ops.adapt_datetimefield_value
        items = list(self.pending.items())
        table = connection.ops.quote_name(PeriodicTask._meta.db_table)
        with connection.cursor() as cursor:
            for at in range(0, len(items), CHUNK):
                part = items[at:at + CHUNK]
                if connection.vendor == "postgresql":
                    values = ", ".join(["(%s::integer, %s::timestamptz, %s::integer)"] * len(part))
                    params = [p for task_id, (ran, count) in part for p in (task_id, adapt(ran), count)]
                    cursor.execute(
                        f"UPDATE {table} AS t SET last_run_at = v.ran, total_run_count = v.runs "
                        f"FROM (VALUES {values}) AS v(id, ran, runs) WHERE t.id = v.id", params)
                else:  # the embedded SQLite default: one prepared statement, many rows
                    cursor.executemany(
                        f"UPDATE {table} SET last_run_at = %s, total_run_count = %s WHERE id = %s",
                        [(adapt(ran), count, task_id) for task_id, (ran, count) in part])
                self.statements += 1
                self.rows += len(part)
                for task_id, value in part:
                    if self.pending.get(task_id) == value:  # not re-queued meanwhile
                        del self.pending[task_id]
        return len(items)
