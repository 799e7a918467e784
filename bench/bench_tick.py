"""Tick latency of the default building, and how many simulators one worker keeps up with.

Runs real ticks (engine, PostgreSQL writer, state, activity log, advisory lock) against a
scratch database `hsim_bench_tick`, one 15-minute interval per tick, and prints median and
p99 latency. Capacity: one worker process running ticks back to back keeps up with
900 s / (mean tick seconds) simulators at a 15-minute interval. The latency includes the
database's own work, which shares this machine's cores, so more worker processes on the
same machine add little.

    .venv/bin/python bench/bench_tick.py [--ticks 200]
"""

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

from scratch import setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticks", type=int, default=200)
    args = parser.parse_args()
    setup_django("hsim_bench_tick")
    from simulator_app.services import lifecycle
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator
    from simulator_app.services.tick import run_tick

    simulator = create_simulator(create_org("bench"), "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    run_tick(simulator.poller_id, now=now)  # warm-up: imports, first connection, caches
    latencies, rows = [], 0
    for i in range(args.ticks):
        now += timedelta(minutes=15)
        began = time.perf_counter()
        result = run_tick(simulator.poller_id, now=now)
        latencies.append(time.perf_counter() - began)
        assert result.outcome == "generated", result
        rows += result.rows
    latencies.sort()
    median = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    mean = statistics.fmean(latencies)
    print(f"ticks: {args.ticks}  rows/tick: {rows / args.ticks:.0f}")
    print(f"tick latency: median {median * 1000:.1f} ms  p99 {p99 * 1000:.1f} ms  mean {mean * 1000:.1f} ms")
    print(f"simulators one worker process keeps up with at 15 min: {int(900 / mean)}")


if __name__ == "__main__":
    main()
