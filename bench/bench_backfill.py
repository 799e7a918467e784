"""One year of the default building through `hsim_backfill` into PostgreSQL (engine + writer).

Creates a scratch database `hsim_bench_backfill`, a fresh org and the default simulator, and
times the command end to end (generation, COPY, index build, commit, state). `--chunked`
times the commit-every-chunk path instead.

    .venv/bin/python bench/bench_backfill.py [--days 365] [--chunked]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("HSIM_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "hsim_bench_backfill"


def fresh_database():
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--chunked", action="store_true")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = fresh_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from simulator_app.models import BackfillJob
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    call_command("migrate", verbosity=0)
    simulator = create_simulator(create_org("bench"), "Tower", None, 15)
    start = "2025-01-01T00:00Z"
    end = f"{2025 + args.days // 365}-01-01T00:00Z" if args.days % 365 == 0 else None
    if end is None:
        from datetime import datetime, timedelta, timezone

        end = (datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(days=args.days)).isoformat()
    options = ["--no-progress"] + (["--chunked"] if args.chunked else [])
    began = time.perf_counter()
    call_command("hsim_backfill", str(simulator.poller_id), "--start", start, "--end", end, *options)
    seconds = time.perf_counter() - began
    rows = BackfillJob.objects.get().rows_written
    mode = "chunked commits" if args.chunked else "one transaction"
    print(f"{args.days} days, {rows:,} rows, {mode}: {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
