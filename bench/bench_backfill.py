"""One year of the default building through `hsim_backfill` into PostgreSQL (engine + writer).

Creates a scratch database `hsim_bench_backfill`, a fresh org and the default simulator, and
times the command end to end (generation, COPY, index build, commit, state). `--chunked`
times the commit-every-chunk path instead.

    .venv/bin/python bench/bench_backfill.py [--days 365] [--chunked]
"""

import argparse
import time
from datetime import datetime, timedelta, timezone

from scratch import setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunked", action="store_true")
    args = parser.parse_args()
    setup_django("hsim_bench_backfill")
    from django.core.management import call_command

    from simulator_app.models import BackfillJob
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    simulator = create_simulator(create_org("bench"), "Tower", None, 15)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    end = start + timedelta(days=args.days)
    options = ["--no-progress"] + (["--chunked"] if args.chunked else [])
    began = time.perf_counter()
    call_command(
        "hsim_backfill", str(simulator.poller_id), "--start", start.isoformat(),
        "--end", end.isoformat(), *options,
    )
    seconds = time.perf_counter() - began
    rows = BackfillJob.objects.get().rows_written
    mode = "chunked commits" if args.chunked else "one transaction"
    print(f"{args.days} days, {rows:,} rows, {mode}: {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
