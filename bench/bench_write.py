"""Write-path benchmark: hsim's PostgreSQL writer against raw binary COPY, on the same machine,
in the same run, on the same rows.

    .venv/bin/python bench/bench_write.py [--rows 1000000] [--runs 3] [--no-backfill]

Methods (interleaved per run, median of --runs; each timed run starts from a freshly created,
vacuumed and checkpointed table, like reference/write-path-measurements.md):

- raw_copy           binary COPY of an already-serialised stream (made by the server itself with
                     COPY TO, so it does not depend on hsim's encoder) into an empty values
                     table, rows in hsim's order (entity-major); `raw_copy_tmajor`: same rows in
                     interval-major order (how a naive writer sends an engine batch)
- hsim_new           PostgresValueDatabase.write of ValueRows into empty tables: encoding,
                     watermark check, COPY, _current refresh, commit
- hand_upsert        by hand: binary COPY into a TEMP table (value_n float8), then
                     INSERT .. SELECT .. ON CONFLICT DO UPDATE, into a table holding the same
                     keys with other values
- hsim_rewrite       PostgresValueDatabase.write of the same rows into that prefilled table

Then a one-year backfill of the default building (engine when importable, else synthetic rows of
the same shape: 300 points x 35,040 intervals), engine and writer pipelined: the next month is
generated in a thread while the current one is written.

The last line is `ratio_vs_copy: <hsim_new rows/s / raw_copy rows/s>`.
"""

import argparse
import os
import queue
import resource
import statistics
import sys
import threading
import time
import uuid

import numpy as np
import psycopg
from psycopg import sql

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from simulator_app.engine.batch import KIND_BOOL, KIND_NUMBER, Batch  # noqa: E402
from simulator_app.storage import (  # noqa: E402
    PostgresValueDatabase,
    ValueRows,
    create_value_tables,
)

START = 1_704_067_200  # 2024-01-01 00:00 UTC
INTERVAL = 900
CHUNK = 1 << 20  # bytes per Copy.write of a serialised stream


def synthetic_batch(n_points, n_intervals, start=START, seed=1, shift=0.0):
    """Daily sine + noise, 2 decimals; every 10th point Bool; ~0.5 % dropouts; some stale."""
    rng = np.random.default_rng(seed)
    ts = start + INTERVAL * np.arange(n_intervals, dtype=np.int64)
    phase = 2 * np.pi * (ts % 86_400) / 86_400
    base = rng.uniform(10, 400, n_points)
    values = np.round(base[None, :] * (1 + 0.2 * np.sin(phase)[:, None])
                      + rng.normal(0, 1, (n_intervals, n_points)) + shift, 2)
    kinds = tuple(KIND_BOOL if p % 10 == 0 else KIND_NUMBER for p in range(n_points))
    bools = [p for p in range(n_points) if p % 10 == 0]
    values[:, bools] = (np.sin(phase)[:, None] + rng.normal(0, 0.3, (n_intervals, len(bools)))) > 0
    status = np.where(rng.random((n_intervals, n_points)) < 0.01, 1, 0).astype(np.uint8)
    present = rng.random((n_intervals, n_points)) > 0.005
    return Batch(ts=ts, points=tuple(f"p{p}" for p in range(n_points)), kinds=kinds,
                 values=values, status=status, present=present)


class Bench:
    def __init__(self, admin_url):
        self.admin_url = admin_url
        self.dbname = f"hsim_bench_{uuid.uuid4().hex[:8]}"
        self.url = admin_url.rsplit("/", 1)[0] + "/" + self.dbname
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        self.conn = psycopg.connect(self.url, autocommit=True)

    def drop(self):
        self.conn.close()
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                          .format(sql.Identifier(self.dbname)))

    def fresh_tables(self, key):
        for suffix in ("", "_current"):
            self.conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                sql.Identifier("core", f"values_{key}{suffix}")))
        create_value_tables(self.conn, key)

    def settle(self, key):
        self.conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(
            sql.Identifier("core", f"values_{key}")))
        self.conn.execute("CHECKPOINT")

    def capture(self, query):
        """The server's own binary COPY stream of a query (the 'already serialised' input)."""
        parts = []
        with self.conn.cursor().copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT BINARY)").format(
                sql.SQL(query))) as cp:
            for data in cp:
                parts.append(bytes(data))
        return b"".join(parts)

    def timed_raw_copy(self, key, stream):
        self.fresh_tables(key)
        self.settle(key)
        t0 = time.perf_counter()
        with self.conn.transaction(), self.conn.cursor() as cur:
            with cur.copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(
                    sql.Identifier("core", f"values_{key}"))) as cp:
                view = memoryview(stream)
                for i in range(0, len(view), CHUNK):
                    cp.write(view[i:i + CHUNK])
        return time.perf_counter() - t0

    def timed_hsim(self, key, rows, prefill=None):
        self.fresh_tables(key)
        db = PostgresValueDatabase("bench", self.url, True)
        if prefill is not None:
            db.write(key, prefill)
        self.settle(key)
        db.ensure_tables(key)
        t0 = time.perf_counter()
        stats = db.write(key, rows)
        elapsed = time.perf_counter() - t0
        db.close()
        expected = "copied" if prefill is None else "upserted"
        assert getattr(stats, expected) == len(rows), stats
        return elapsed

    def timed_hand_upsert(self, key, float_stream, prefill):
        self.fresh_tables(key)
        db = PostgresValueDatabase("bench", self.url, True)
        db.write(key, prefill)
        db.close()
        self.settle(key)
        table = sql.Identifier("core", f"values_{key}")
        t0 = time.perf_counter()
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("CREATE TEMP TABLE hand_stage (entity_id int4, ts timestamp, "
                        "value_n float8, value_b bool, value_s varchar, value_ts timestamp, "
                        "status varchar) ON COMMIT DROP")
            with cur.copy("COPY hand_stage FROM STDIN (FORMAT BINARY)") as cp:
                view = memoryview(float_stream)
                for i in range(0, len(view), CHUNK):
                    cp.write(view[i:i + CHUNK])
            cur.execute(sql.SQL(
                "INSERT INTO {} (entity_id, ts, value_n, value_b, value_s, value_ts, status) "
                "SELECT entity_id, ts, value_n::numeric, value_b, value_s, value_ts, status "
                "FROM hand_stage ON CONFLICT (entity_id, ts) DO UPDATE SET "
                "value_n = EXCLUDED.value_n, value_b = EXCLUDED.value_b, "
                "value_s = EXCLUDED.value_s, value_ts = EXCLUDED.value_ts, "
                "status = EXCLUDED.status").format(table))
        return time.perf_counter() - t0


def ratios(bench, n_rows, n_points, runs):
    n_intervals = -(-n_rows // n_points)
    batch = synthetic_batch(n_points, n_intervals)
    t0 = time.perf_counter()
    rows = ValueRows.from_batch(batch, np.arange(1, n_points + 1))
    from_batch_s = time.perf_counter() - t0
    other = ValueRows.from_batch(synthetic_batch(n_points, n_intervals, seed=2, shift=1.0),
                                 np.arange(1, n_points + 1))
    n = len(rows)
    print(f"rows: {n} ({n_points} points x {n_intervals} intervals, present ~99.5 %)")
    print(f"from_batch: {from_batch_s:.3f} s (not in the timings below)")

    # Serialised inputs, made by the server from the same rows.
    bench.fresh_tables("src")
    PostgresValueDatabase("src", bench.url, True).write("src", rows)
    cols = "entity_id, ts, value_n, value_b, value_s, value_ts, status"
    raw_emajor = bench.capture(f"SELECT {cols} FROM core.values_src ORDER BY entity_id, ts")
    raw_tmajor = bench.capture(f"SELECT {cols} FROM core.values_src ORDER BY ts, entity_id")
    float_stream = bench.capture(
        "SELECT entity_id, ts, value_n::float8, value_b, value_s, value_ts, status "
        "FROM core.values_src ORDER BY entity_id, ts")

    times = {k: [] for k in ("raw_copy", "raw_copy_tmajor", "hsim_new", "hand_upsert",
                             "hsim_rewrite")}
    for run in range(runs):
        times["raw_copy"].append(bench.timed_raw_copy("raw", raw_emajor))
        times["hsim_new"].append(bench.timed_hsim("new", rows))
        times["raw_copy_tmajor"].append(bench.timed_raw_copy("rawt", raw_tmajor))
        times["hand_upsert"].append(bench.timed_hand_upsert("hand", float_stream, other))
        times["hsim_rewrite"].append(bench.timed_hsim("rewrite", rows, prefill=other))
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()),
              flush=True)
    rate = {k: n / statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:16s} median {statistics.median(v):6.2f} s  {rate[k]:10,.0f} rows/s  "
              f"(runs {', '.join(f'{x:.2f}' for x in v)})")
    result = {
        "ratio_vs_copy": rate["hsim_new"] / rate["raw_copy"],
        "ratio_vs_copy_tmajor": rate["hsim_new"] / rate["raw_copy_tmajor"],
        "rewrite_ratio": rate["hsim_rewrite"] / rate["hand_upsert"],
    }
    print(f"new range: hsim / raw COPY (same order)        = {result['ratio_vs_copy']:.2f}")
    print(f"new range: hsim / raw COPY (interval-major)    = {result['ratio_vs_copy_tmajor']:.2f}")
    print(f"rewrite:   hsim / hand temp-table upsert       = {result['rewrite_ratio']:.2f}")
    return result


def engine_chunks(start, n_intervals, chunk):
    """(ValueRows per chunk, description). The engine when importable, else synthetic."""
    try:
        from simulator_app.engine import default_spec, generate, initial_state
    except ImportError:
        default_spec = None
    if default_spec is not None:
        spec = default_spec()
        state = initial_state(spec)
        entity_ids = None

        def gen():
            nonlocal state, entity_ids
            for offset in range(0, n_intervals, chunk):
                a = start + offset * INTERVAL
                b = start + min(n_intervals, offset + chunk) * INTERVAL
                batch, state = generate(spec, state, a, b)
                if entity_ids is None:
                    entity_ids = np.arange(1, len(batch.points) + 1)
                yield ValueRows.from_batch(batch, entity_ids)

        return gen(), "engine (simulator_app.engine default_spec)"

    def synthetic():
        for i, offset in enumerate(range(0, n_intervals, chunk)):
            batch = synthetic_batch(300, min(chunk, n_intervals - offset),
                                    start=start + offset * INTERVAL, seed=100 + i)
            yield ValueRows.from_batch(batch, np.arange(1, 301))

    return synthetic(), "synthetic (engine not importable): 300 points"


def prefetch(iterable, depth=1):
    """Run `iterable` in a thread, `depth` items ahead, so generation overlaps the writes."""
    q = queue.Queue(maxsize=depth)
    done = object()

    def produce():
        try:
            for item in iterable:
                q.put(item)
        except BaseException as exc:  # re-raised in the consumer
            q.put(exc)
        q.put(done)

    threading.Thread(target=produce, daemon=True).start()
    while (item := q.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


def backfill(bench, mode="stream", chunk_intervals=2880):
    """One year of the default building into an empty org table.

    mode "stream": the year is one batch streamed month by month (memory bounded by a month),
    one transaction, bulk=True (indexes rebuilt after the load, as the table starts empty).
    mode "monthly": one batch and transaction per month, the normal path (COPY per month).
    """
    n_intervals = 365 * 96
    key = f"year_{mode}"
    bench.fresh_tables(key)
    bench.conn.execute("CHECKPOINT")
    db = PostgresValueDatabase("bench", bench.url, True)
    db.ensure_tables(key)
    chunks, source = engine_chunks(START, n_intervals, chunk_intervals)
    t0 = time.perf_counter()
    if mode == "stream":
        stats = db.write(key, prefetch(chunks), bulk=True)
        total = stats.rows
        assert stats.bulk, "expected the bulk path on an empty table"
    else:
        total = sum(db.write(key, rows).rows for rows in prefetch(chunks))
    elapsed = time.perf_counter() - t0
    db.close()
    stored = bench.conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
        sql.Identifier("core", f"values_{key}"))).fetchone()[0]
    assert stored == total, (stored, total)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backfill_one_year[{mode}]: {elapsed:.1f} s for {total:,} rows "
          f"({total / elapsed:,.0f} rows/s, {n_intervals} intervals, chunks of "
          f"{chunk_intervals}, client peak RSS so far {peak_mb:,.0f} MB); source: {source}",
          flush=True)
    return elapsed


def wait_for_quiet(max_load, max_wait):
    """Like the reference measurements: start when the 1-minute load average is low (the
    machine is shared), but never wait forever."""
    deadline = time.monotonic() + max_wait
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        time.sleep(5)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-backfill", action="store_true")
    parser.add_argument("--backfill-monthly", action="store_true",
                        help="also time the year as 12 monthly batches (normal path)")
    parser.add_argument("--admin-url", default=os.environ.get(
        "HSIM_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--max-load", type=float, default=0.5,
                        help="wait (up to --max-wait s) until the 1-minute load is below this")
    parser.add_argument("--max-wait", type=float, default=120)
    args = parser.parse_args()
    wait_for_quiet(args.max_load, args.max_wait)
    bench = Bench(args.admin_url)
    try:
        print(f"database: {bench.dbname} (scratch, dropped at the end)")
        if not args.no_backfill:
            backfill(bench, "stream")
        if args.backfill_monthly:
            backfill(bench, "monthly")
        result = ratios(bench, args.rows, args.points, args.runs)
    finally:
        bench.drop()
    print(f"ratio_vs_copy: {result['ratio_vs_copy']:.2f}")


if __name__ == "__main__":
    main()
