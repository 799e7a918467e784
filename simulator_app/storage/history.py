"""Reading the value tables back: raw rows and bucketed rollups, streamed in chunks.

The one query module every reader of history goes through (the history API, the dashboard,
benchmarks). It takes a value database object (PostgresValueDatabase or SqliteValueDatabase)
and yields lists of tuples, `chunk_rows` at a time, from a server-side cursor (PostgreSQL) or
a lazily fetched cursor (SQLite), so a year of one point or a day of every point never sits
in memory at once.

Rows come out ordered by the position of their entity in `entity_ids` (the caller's order),
then by time:

    raw:    (index, ts_us, value_n float|None, value_b bool|None, value_s str|None, status)
    rollup: (index, bucket_start_us, value float|None, None, None, status)

Rollups are computed in the database: TimescaleDB's `time_bucket` where the extension is
installed, `date_bin` on plain PostgreSQL, integer epoch arithmetic on SQLite. Buckets are
aligned to the Unix epoch (UTC): `1d` buckets are UTC days. A bucket's value aggregates
`value_n` (a Bool point's `value_b` counts as 0/1; string-only rows count as nothing); its
status is, for `last`, the status of its last row, else the worst of its rows
(ok < stale < fault < down < anything else; NULL counts as ok).
"""

import json

from psycopg import sql

from . import ddl
from .rows import to_epoch_us

FUNCTIONS = ("avg", "min", "max", "sum", "last")
CHUNK_ROWS = 5000
STATUS_RANK = ("ok", "stale", "fault", "down")

_RANK_SQL = (
    "CASE WHEN v.status IS NULL OR v.status = 'ok' THEN 0 WHEN v.status = 'stale' THEN 1 "
    "WHEN v.status = 'fault' THEN 2 WHEN v.status = 'down' THEN 3 ELSE 4 END")
_WORST_SQL = (
    f"CASE max({_RANK_SQL}) WHEN 0 THEN 'ok' WHEN 1 THEN 'stale' WHEN 2 THEN 'fault' "
    f"WHEN 3 THEN 'down' ELSE max(v.status) FILTER (WHERE ({_RANK_SQL}) = 4) END")


def worst_status(statuses):
    """The rollup status of a bucket's rows in Python (the SQL above, for tests and readers)."""
    def rank(status):
        if status is None or status == "ok":
            return 0
        return STATUS_RANK.index(status) if status in STATUS_RANK else 4

    top = max((rank(s) for s in statuses), default=0)
    if top < 4:
        return STATUS_RANK[top]
    return max(s for s in statuses if rank(s) == 4)


def raw_rows(db, org_key, entity_ids, start, end, chunk_rows=CHUNK_ROWS):
    """Stored rows of `entity_ids` with start <= ts < end (datetimes or µs), in chunks."""
    db.ensure_tables(org_key)
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    if db.kind == "sqlite":
        return _sqlite_raw(db, org_key, entity_ids, start_us, end_us, chunk_rows)
    return _pg_stream(db, _pg_raw_query(org_key), [list(map(int, entity_ids)),
                      _naive(start_us), _naive(end_us)], chunk_rows)


def rollup_rows(db, org_key, entity_ids, start, end, bucket_seconds, fn,
                chunk_rows=CHUNK_ROWS):
    """One row per (entity, bucket) holding rows in [start, end), in chunks."""
    if fn not in FUNCTIONS:
        raise ValueError(f"unknown rollup function {fn!r}; one of {', '.join(FUNCTIONS)}")
    if int(bucket_seconds) <= 0:
        raise ValueError("the bucket must be at least one second")
    db.ensure_tables(org_key)
    start_us, end_us = to_epoch_us(start), to_epoch_us(end)
    if db.kind == "sqlite":
        return _sqlite_rollup(db, org_key, entity_ids, start_us, end_us, int(bucket_seconds),
                              fn, chunk_rows)
    timescale = _has_timescaledb(db)
    query = _pg_rollup_query(org_key, fn, timescale)
    params = [list(map(int, entity_ids)), f"{int(bucket_seconds)} seconds",
              _naive(start_us), _naive(end_us)]
    return _pg_stream(db, query, params, chunk_rows)


# --- PostgreSQL ---------------------------------------------------------------------------

def _naive(us):
    from .pg_writer import _naive_utc

    return _naive_utc(us)


def _values_table(org_key):
    values, _ = ddl.table_names(org_key)
    return sql.Identifier(ddl.SCHEMA, values)


# Both queries read entity by entity (a LATERAL subquery per requested entity): each is an
# index range scan of the (entity_id, ts) primary key, already in time order, so the plan never
# degrades to a scan of the whole table when many rows match, and the output needs no sort.

def _pg_raw_query(org_key):
    return sql.SQL(
        "SELECT p.ord::int4 - 1, r.ts_us, r.value_n, r.value_b, r.value_s, r.status"
        " FROM unnest(%s::int4[]) WITH ORDINALITY AS p(entity_id, ord)"
        " CROSS JOIN LATERAL (SELECT (extract(epoch FROM v.ts) * 1000000)::int8 AS ts_us,"
        " v.value_n::float8 AS value_n, v.value_b, v.value_s, v.status FROM {} v"
        " WHERE v.entity_id = p.entity_id AND v.ts >= %s AND v.ts < %s) r"
        " ORDER BY p.ord, r.ts_us"
    ).format(_values_table(org_key))


def _pg_rollup_query(org_key, fn, timescale):
    value = "coalesce(v.value_n::float8, v.value_b::int4::float8)"
    bucket = ("time_bucket(%s::interval, v.ts, TIMESTAMP '1970-01-01')" if timescale
              else "date_bin(%s::interval, v.ts, TIMESTAMP '1970-01-01')")
    if fn == "last":
        aggregate = (f"last({value}, v.ts)" if timescale
                     else f"(array_agg({value} ORDER BY v.ts DESC))[1]")
        status = ("last(v.status, v.ts)" if timescale
                  else "(array_agg(v.status ORDER BY v.ts DESC))[1]")
    else:
        aggregate, status = f"{fn}({value})", _WORST_SQL
    return sql.SQL(
        "SELECT p.ord::int4 - 1, (extract(epoch FROM b.bucket) * 1000000)::int8, b.value,"
        " NULL::bool, NULL::varchar, b.status"
        " FROM unnest(%s::int4[]) WITH ORDINALITY AS p(entity_id, ord) CROSS JOIN LATERAL ("
        f" SELECT {bucket} AS bucket, {aggregate} AS value,"
        f" {status} AS status FROM {{}} v"
        " WHERE v.entity_id = p.entity_id AND v.ts >= %s AND v.ts < %s GROUP BY 1) b"
        " ORDER BY p.ord, b.bucket"
    ).format(_values_table(org_key))


def _has_timescaledb(db):
    return db._run(lambda conn: ddl.timescaledb_available(conn))


def _pg_stream(db, query, params, chunk_rows):
    conn = db.connection()
    # A named (server-side) cursor lives in a transaction; leaving the generator early (a
    # client that hangs up) closes it and rolls the read-only transaction back.
    with conn.transaction(), conn.cursor(name="hsim_history") as cur:
        # JIT compilation costs more than these index-range reads save (~0.2 s a query).
        conn.execute("SET LOCAL jit = off")
        # Plan for the whole result (the default plans a cursor for its first tenth).
        conn.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cur.itersize = chunk_rows
        cur.execute(query, params)
        while True:
            chunk = cur.fetchmany(chunk_rows)
            if not chunk:
                return
            yield chunk


# --- SQLite -------------------------------------------------------------------------------

def _sqlite_ids(entity_ids):
    return json.dumps([int(i) for i in entity_ids])


def _sqlite_bounds(start_us, end_us):
    from .sqlite_writer import sqlite_ts_text

    return sqlite_ts_text(start_us), sqlite_ts_text(end_us)


def _sqlite_raw(db, org_key, entity_ids, start_us, end_us, chunk_rows):
    values, _ = ddl.table_names(org_key)
    query = (
        f'SELECT p.key, v.ts, v.value_n, v.value_b, v.value_s, v.status FROM json_each(?) p '
        f'JOIN "{values}" v ON v.entity_id = p.value WHERE v.ts >= ? AND v.ts < ? '
        f"ORDER BY p.key, v.ts")
    for chunk in _sqlite_chunks(db, query, entity_ids, start_us, end_us, chunk_rows):
        yield [(i, to_epoch_us(ts), None if n is None else float(n),
                None if b is None else bool(b), s, st) for i, ts, n, b, s, st in chunk]


def _sqlite_rollup(db, org_key, entity_ids, start_us, end_us, step, fn, chunk_rows):
    values, _ = ddl.table_names(org_key)
    value = "coalesce(CAST(v.value_n AS REAL), CAST(v.value_b AS REAL))"
    bucket = f"(CAST(strftime('%s', v.ts) AS INTEGER) / {step}) * {step}"
    if fn == "last":
        # SQLite takes bare columns from the row that max() picked: the bucket's last row.
        select = f"max(v.ts), {value}, v.status"
    else:
        select = f"NULL, {fn}({value}), {_WORST_SQL}"
    query = (
        f"SELECT p.key, {bucket} AS bucket, {select} FROM json_each(?) p "
        f'JOIN "{values}" v ON v.entity_id = p.value WHERE v.ts >= ? AND v.ts < ? '
        f"GROUP BY p.key, bucket ORDER BY p.key, bucket")
    for chunk in _sqlite_chunks(db, query, entity_ids, start_us, end_us, chunk_rows):
        yield [(i, int(b) * 1_000_000, None if v is None else float(v), None, None, st)
               for i, b, _last, v, st in chunk]


def _sqlite_chunks(db, query, entity_ids, start_us, end_us, chunk_rows):
    """Rows of `query` (entity ids as JSON, then the window's bounds) `chunk_rows` at a time,
    fetched lazily: a year of every point never sits in memory."""
    cursor = db.connection().execute(query, [_sqlite_ids(entity_ids),
                                             *_sqlite_bounds(start_us, end_us)])
    try:
        while True:
            chunk = cursor.fetchmany(chunk_rows)
            if not chunk:
                return
            yield chunk
    finally:
        cursor.close()
