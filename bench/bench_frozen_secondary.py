"""A frozen secondary (accepts connections, never answers) next to the primary: what it costs
each tick-sized write, with the circuit breaker and without it (every write tries it again).

    .venv/bin/python bench/bench_frozen_secondary.py [--writes 40] [--points 507] [--timeout 2]

Storage layer only (no Django): a scratch primary database, a TCP proxy in front of the local
server that is frozen from the start, one interval of `--points` points per write. Prints
duration p50/p99 per write and the connection attempts the frozen server saw.
"""

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator_app.storage import MultiDatabaseWriter, ValueRows, open_value_database  # noqa
from tests.netfakes import TcpProxy  # noqa
from tests.storage.helpers import make_batch  # noqa

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def run(label, url, proxy, writes, points, timeout, probe_after_s):
    org = f"b{uuid.uuid4().hex[:10]}"
    before = proxy.attempts
    writer = MultiDatabaseWriter([
        open_value_database("main", url, primary=True),
        open_value_database(f"frozen{uuid.uuid4().hex[:6]}", proxy.url(ADMIN_URL),
                            connect_timeout=timeout),
    ], probe_after_s=probe_after_s)
    ids = np.arange(1, points + 1, dtype=np.int64)
    durations = []
    for i in range(writes):
        rows = ValueRows.from_batch(make_batch(n_points=points, n_intervals=1,
                                               start=1_704_067_200 + 900 * i, seed=i), ids)
        started = time.perf_counter()
        writer.write(org, rows)
        durations.append((time.perf_counter() - started) * 1000)
    writer.close()
    durations.sort()
    p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
    print(f"{label:<16} writes={writes} p50_ms={statistics.median(durations):.1f} "
          f"p99_ms={p99:.1f} attempts={proxy.attempts - before}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--points", type=int, default=507)
    parser.add_argument("--timeout", type=int, default=2, help="connect timeout, seconds")
    args = parser.parse_args()
    name = f"hsim_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    proxy = TcpProxy.for_url(ADMIN_URL)
    proxy.freeze()
    try:
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        run("breaker", url, proxy, args.writes, args.points, args.timeout, probe_after_s=30)
        run("no_breaker", url, proxy, args.writes, args.points, args.timeout, probe_after_s=0)
    finally:
        proxy.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
