"""Reading history back through the API on PostgreSQL: the three reads the dashboard and
analytics make most, each streamed through /simulator/history/{id} (view, service, query
module, server-side cursor) and consumed to the last byte.

    1. one point for a year, raw                (35,040 rows)
    2. every point of the building for a day    (507 points x 96 rows)
    3. 20 points for a year, 1-hour rollup      (20 x 8,760 rows, avg computed in the database)

Creates a scratch database `hsim_bench_read`, backfills a year of the default building
(~17.7 M rows, about a minute), then times each read `--repeat` times (best and median).
Target: each under one second on the 2-core development machine.

    .venv/bin/python bench/bench_read.py [--days 365] [--repeat 3]
"""

import argparse
import os
import statistics
import time
from datetime import datetime, timedelta, timezone

from scratch import ADMIN_URL, ROOT, setup_django


def reuse_django(db_name):
    import os
    import sys

    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{db_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true",
                        help="read the data a previous run left in hsim_bench_read")
    args = parser.parse_args()
    if args.reuse:
        reuse_django("hsim_bench_read")
    else:
        setup_django("hsim_bench_read")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from simulator_app.models import BackfillJob, Simulator, SimulatorEntity
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    if args.reuse:
        simulator = Simulator.objects.get()
        job = BackfillJob.objects.get()
        start, end = job.start, job.end
    else:
        simulator = create_simulator(create_org("bench"), "Tower", None, 15)
        # The last `days` whole UTC days (backfills reach back at most the history horizon).
        end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        start = end - timedelta(days=args.days)
        began = time.perf_counter()
        call_command("hsim_backfill", str(simulator.poller_id), "--start", start.isoformat(),
                     "--end", end.isoformat(), "--no-progress")
        print(f"backfilled {args.days} days in {time.perf_counter() - began:.1f} s")

    client = Client()
    user, _ = get_user_model().objects.get_or_create(username="bench", is_staff=True)
    client.force_login(user)
    keys = list(SimulatorEntity.objects.filter(simulator=simulator, is_point=True)
                .order_by("key").values_list("key", flat=True))
    twenty = [k for k in keys if k.startswith(("ahu-", "chiller-", "weather."))][:20]
    day = end - timedelta(days=1)
    iso = (lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    reads = [
        ("one point, a year, raw", {"point": "weather.air-temp", "start": iso(start),
                                    "end": iso(end)}),
        ("one point, a year, raw CSV", {"point": "weather.air-temp", "start": iso(start),
                                        "end": iso(end), "format": "csv"}),
        (f"all {len(keys)} points, a day, raw", {"start": iso(day), "end": iso(end)}),
        ("20 points, a year, 1h avg rollup", {"point": twenty, "start": iso(start),
                                              "end": iso(end), "rollup": "1h", "fn": "avg"}),
    ]
    url = f"/simulator/history/{simulator.poller_id}"
    for name, params in reads:
        times, cpu, size = [], [], 0
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            assert response.status_code == 200, response.content
            size = sum(len(chunk) for chunk in response.streaming_content)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        # Wall time includes waiting for the CPU when other work shares the cores; the web
        # process's own CPU time (formatting, driver) does not.
        print(f"{name}: best {min(times):.3f} s, median {statistics.median(times):.3f} s"
              f" (web process CPU {min(cpu):.3f} s), {size / 1e6:.1f} MB")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
