"""Engine benchmark: one year of the default building, plus the cost of a single live tick.

    .venv/bin/python bench/bench_engine.py [--year 2026] [--repeat 3]

Prints seconds for the year, values/s (points × intervals) and rows/s (present values).
The target is under 5 s for a year on a 2-core machine (wall and process CPU time shown).
"""

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator_app.engine import default_spec, generate  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    args = parser.parse_args()

    spec = default_spec()
    start = datetime(args.year, 1, 1, tzinfo=timezone.utc)
    end = datetime(args.year + 1, 1, 1, tzinfo=timezone.utc)
    generate(spec, None, start, start + timedelta(days=1))  # compile the spec, warm caches

    best = best_cpu = None
    for _ in range(args.repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        batch, state = generate(spec, None, start, end)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    values = batch.values.size
    print(f"default building: {len(batch.points)} points, {len(batch.ts)} intervals "
          f"({spec.interval_minutes} min), {values:,} values, {batch.row_count:,} rows")
    # CPU time too: on a shared machine the wall clock also counts other people's work.
    print(f"one year: {best:.2f} s wall, {best_cpu:.2f} s CPU (best of {args.repeat})")
    print(f"throughput: {values / best:,.0f} values/s, {batch.row_count / best:,.0f} rows/s")

    tick_start = end
    t0 = time.perf_counter()
    ticks = 96
    for _ in range(ticks):
        _, state = generate(spec, state, tick_start, tick_start + timedelta(minutes=15))
        tick_start += timedelta(minutes=15)
    per_tick = (time.perf_counter() - t0) / ticks
    print(f"live tick (one 15-minute interval with carried state): {per_tick * 1000:.1f} ms")


if __name__ == "__main__":
    main()
