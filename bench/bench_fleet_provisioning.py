"""Fleet provisioning: seconds per building through hsim_fleet's bulk path, on PostgreSQL.

    .venv/bin/python bench/bench_fleet_provisioning.py [N] [--batch B]

Creates a fleet of N buildings (default 200) drawn from the default template in a scratch
database and prints seconds per building, entities and tags per second, and the same for
one-by-one provisioning of a few default buildings for comparison (measured in the same run).
"""

import argparse
import time

from scratch import setup_django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=200)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    setup_django("hsim_bench_fleet")
    from simulator_app.models import EntityTag, SimulatorEntity
    from simulator_app.services import fleets
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator

    org = create_org("benchfleet")
    began = time.perf_counter()
    for i in range(3):
        create_simulator(org, f"one-by-one {i}")
    one = (time.perf_counter() - began) / 3
    entities0, tags0 = SimulatorEntity.objects.count(), EntityTag.objects.count()

    fleet = fleets.define_fleet(org, "Bench", args.n, seed=1)
    began = time.perf_counter()
    fleets.grow(fleet, batch_size=args.batch)
    took = time.perf_counter() - began
    entities = SimulatorEntity.objects.count() - entities0
    tags = EntityTag.objects.count() - tags0
    print(f"buildings: {args.n}  batch: {args.batch}")
    print(f"entities: {entities} ({entities / args.n:.0f} per building)  tags: {tags}")
    print(f"one_by_one_s_per_building: {one:.3f}")
    print(f"bulk_s_per_building: {took / args.n:.4f}  ({entities / took:,.0f} entities/s, "
          f"{tags / took:,.0f} tags/s)")
    default_share = 588 / (entities / args.n)
    print(f"bulk_s_per_default_building (scaled to 588 entities): "
          f"{took / args.n * default_share:.4f}")
    print(f"speedup_vs_one_by_one: {one / (took / args.n * default_share):.1f}x")


if __name__ == "__main__":
    main()
