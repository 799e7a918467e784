"""Bulk load into an empty values table: drop its indexes, load, rebuild them, all inside the
write's transaction.

Maintaining three B-trees row by row costs ~4 µs per row on a 2-core machine, about 8x the heap
insert; building them once from the loaded heap (sorted, in parallel workers) is several times
cheaper, which is what makes a one-year backfill of a new org fast. It is atomic: the ACCESS
EXCLUSIVE lock keeps everyone out until commit, and a failure rolls the drop back. Only used when
the table is empty (nothing to lose, no reader to starve of data), and only for plain indexes we
can recreate exactly from the catalog: anything clustered, a replica identity, in another
tablespace, or referenced by a foreign key disables it.
"""

import logging
import time

from psycopg import errors as pg_errors
from psycopg import sql

from . import ddl

log = logging.getLogger(__name__)


class _NotApplicable(Exception):
    pass


class BulkIndexes:
    """`begin` drops the indexes (or returns None when not applicable), `finish` rebuilds
    them exactly as they were."""

    def __init__(self, vt, definitions):
        self.vt = vt
        self.definitions = definitions  # [(index name, constraint name or None, definition)]
        self.started = time.monotonic()

    @classmethod
    def begin(cls, conn, cur, vt, maintenance_work_mem):
        try:
            with conn.transaction():  # savepoint: rolling it back releases the lock again
                # Do not queue behind a long reader (and block everyone behind us meanwhile):
                # if the lock is not free soon, load the normal way.
                cur.execute("SELECT current_setting('lock_timeout'), "
                            "set_config('lock_timeout', '2s', true)")
                previous_timeout = cur.fetchone()[0]
                try:
                    cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(vt))
                except pg_errors.LockNotAvailable:
                    raise _NotApplicable("busy") from None
                cur.execute("SELECT set_config('lock_timeout', %s, true)", (previous_timeout,))
                cur.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(vt))
                if cur.fetchone()[0]:
                    raise _NotApplicable("not empty")
                cur.execute(sql.SQL(
                    "SELECT ic.relname, con.conname, "
                    "COALESCE(pg_get_constraintdef(con.oid), pg_get_indexdef(i.indexrelid)), "
                    "i.indisclustered OR i.indisreplident OR ic.reltablespace <> 0 "
                    "OR (con.oid IS NOT NULL AND con.contype NOT IN ('p', 'u')) "
                    "OR EXISTS (SELECT FROM pg_constraint f WHERE f.confrelid = i.indrelid) "
                    "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                    "LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid "
                    "AND con.conrelid = i.indrelid "
                    "WHERE i.indrelid = %s::regclass ORDER BY con.oid IS NULL, ic.relname"),
                    (vt.as_string(conn),))
                found = cur.fetchall()
                if any(row[3] for row in found):
                    raise _NotApplicable("special index")
                for name, constraint, _, _ in found:
                    if constraint:
                        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                            vt, sql.Identifier(constraint)))
                    else:
                        cur.execute(sql.SQL("DROP INDEX {}").format(
                            sql.Identifier(ddl.SCHEMA, name)))
        except _NotApplicable:
            return None
        if maintenance_work_mem:
            cur.execute("SELECT set_config('maintenance_work_mem', %s, true)",
                        (maintenance_work_mem,))
        return cls(vt, [(name, constraint, definition) for name, constraint, definition, _
                        in found])

    def finish(self, cur):
        """Recreate the indexes exactly as they were (primary key first). Returns None."""
        loaded = time.monotonic()
        for _, constraint, definition in self.definitions:
            if constraint:
                cur.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                    self.vt, sql.Identifier(constraint)) + sql.SQL(definition))
            else:
                cur.execute(sql.SQL(definition))  # pg_get_indexdef: a complete CREATE INDEX
        log.info("bulk load into %s: rows loaded in %.1f s, %d indexes rebuilt in %.1f s",
                 self.vt.as_string(None), loaded - self.started, len(self.definitions),
                 time.monotonic() - loaded)
        return None
