"""The Haystack HTTP API on PostgreSQL: the two reads a Haystack client makes most.

    1. read `point` : every point of the default building, with curVal (Zinc and JSON)
    2. hisRead of one point over a year (35,040 rows at 15 minutes; Zinc and JSON)

Creates a scratch database `hsim_bench_haystack`, backfills `--days` of the default building
(a year is ~17.7 M rows, about a minute), then times each request `--repeat` times through
Django's test client (view, auth by API token, entity load, filter, storage read, encoding;
no sockets), best and median, with the answer's size.

    .venv/bin/python bench/bench_haystack.py [--days 365] [--repeat 3] [--reuse]
"""

import argparse
import statistics
import time
from datetime import datetime, timedelta, timezone

from scratch import ADMIN_URL, ROOT, setup_django

DB = "hsim_bench_haystack"


def reuse_django():
    import os
    import sys

    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(label, call, repeat):
    times, size = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        response = call()
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content[:300]
        size = len(response.content)
    print(f"{label:<48} best {min(times):6.3f} s  median {statistics.median(times):6.3f} s"
          f"  {size / 1e6:7.2f} MB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true",
                        help="read the data a previous run left in hsim_bench_haystack")
    args = parser.parse_args()
    reuse_django() if args.reuse else setup_django(DB)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from simulator_app.models import OrgMembership, Simulator, SimulatorEntity
    from simulator_app.services import backfill
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator
    from simulator_app.services.tokens import issue_token

    if args.reuse:
        simulator = Simulator.objects.get()
        user = get_user_model().objects.get(username="bench")
    else:
        simulator = create_simulator(create_org("bench"), "Tower", None, 15)
        user = get_user_model().objects.create_user("bench")
        OrgMembership.objects.create(user=user, org=simulator.org)
        end = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        began = time.perf_counter()
        job = backfill.create_job(simulator, end - timedelta(days=args.days), end, now=end)
        result = backfill.run_job(job.id, whole=True)
        print(f"backfill of {args.days} days: {result.rows:,} rows in "
              f"{time.perf_counter() - began:.1f} s")
    token = issue_token(user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    root = f"/haystack/{simulator.org.key}"
    points = SimulatorEntity.objects.filter(simulator=simulator, is_point=True).count()
    point = SimulatorEntity.objects.get(simulator=simulator, key="ahu-1.discharge-air-temp")
    last = datetime.now(timezone.utc).date()
    span = f"{last - timedelta(days=args.days)},{last}"
    print(f"{points} points; hisRead range {span}")
    for accept in ("text/zinc", "application/json"):
        timed(f"read point ({points} rows) {accept}",
              lambda: client.get(f"{root}/read", {"filter": "point"}, HTTP_ACCEPT=accept),
              args.repeat)
        timed(f"hisRead one point, {args.days} days, {accept}",
              lambda: client.get(f"{root}/hisRead", {"id": f"@{point.entity_id}",
                                                     "range": span}, HTTP_ACCEPT=accept),
              args.repeat)


if __name__ == "__main__":
    main()
