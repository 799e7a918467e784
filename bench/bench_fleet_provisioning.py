"""Fleet provisioning: seconds per building through hsim_fleet's bulk path, on PostgreSQL.

    .venv/bin/python bench/bench_fleet_provisioning.py [N] [--batch B] [--db NAME]

Creates a fleet of N buildings (default 200) drawn from the default template in a scratch
database and prints seconds per building, entities and tags per second, where the time goes
(per building: catalogue, Python rendering of the tag lines, time waiting on the server's
COPY, the other SQL, commit, and the rest: variants, specs, simulator rows), and the same for
one-by-one provisioning of a few default buildings for comparison (measured in the same run).
Run it twice when the machine is busy: the load average is printed with the figures.
"""

import argparse
import os
import time

from scratch import setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=200)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--db", default="hsim_bench_fleet")
    args = parser.parse_args()
    setup_django(args.db)
    from django.db import connection

    from simulator_app.models import EntityTag, SimulatorEntity
    from simulator_app.services import bulk_provisioning, fleets
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    org = create_org("benchfleet")
    began = time.perf_counter()
    for i in range(3):
        create_simulator(org, f"one-by-one {i}")
    one = (time.perf_counter() - began) / 3
    entities0, tags0 = SimulatorEntity.objects.count(), EntityTag.objects.count()

    timings = bulk_provisioning.TIMINGS
    commit = connection._commit

    def timed_commit():
        began = time.perf_counter()
        try:
            return commit()
        finally:
            timings["commit"] += time.perf_counter() - began

    connection._commit = timed_commit
    analyze = bulk_provisioning.analyze_catalogue

    def timed_analyze():
        began = time.perf_counter()
        analyze()
        timings["analyze"] += time.perf_counter() - began

    bulk_provisioning.analyze_catalogue = timed_analyze
    timings.clear()
    fleet = fleets.define_fleet(org, "Bench", args.n, seed=1)
    load = os.getloadavg()
    server0, client0 = server_cpu(connection), time.process_time()
    began = time.perf_counter()
    fleets.grow(fleet, batch_size=args.batch)
    took = time.perf_counter() - began
    server, client = server_cpu(connection) - server0, time.process_time() - client0
    load_after = os.getloadavg()
    entities = SimulatorEntity.objects.count() - entities0
    tags = EntityTag.objects.count() - tags0
    print(f"buildings: {args.n}  batch: {args.batch}  load average before/after: "
          f"{load[0]:.2f}/{load_after[0]:.2f}")
    print(f"entities: {entities} ({entities / args.n:.0f} per building)  tags: {tags}")
    print(f"one_by_one_s_per_building: {one:.3f}")
    print(f"bulk_s_per_building: {took / args.n:.4f}  ({entities / took:,.0f} entities/s, "
          f"{tags / took:,.0f} tags/s)")
    default_share = 588 / (entities / args.n)
    print(f"bulk_s_per_default_building (scaled to 588 entities): "
          f"{took / args.n * default_share:.4f}")
    print(f"speedup_vs_one_by_one: {one / (took / args.n * default_share):.1f}x")
    phases = dict(timings)
    phases["other"] = took - sum(phases.values())
    print("ms per building: " + "  ".join(f"{name} {seconds / args.n * 1000:.1f}"
                                          for name, seconds in phases.items()))
    print(f"cpu ms per building: python {client / args.n * 1000:.1f}  postgres backend "
          f"{server / args.n * 1000:.1f}" + ("" if server else " (not on this host)"))


def server_cpu(connection):
    """CPU seconds of this connection's PostgreSQL backend so far (0 when not on this host)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
