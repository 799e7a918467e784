"""Tick cost of the default building, and how many buildings one machine sustains.

Runs real ticks (engine, PostgreSQL writer, state, activity log, advisory lock) against a
scratch database (`hsim_bench_tick`, or $HSIM_BENCH_DB), one 15-minute interval per tick, the
way one worker process runs them: the process's long-lived value writer, warm caches. Prints:

- wall and CPU (time.process_time: this process only, i.e. the worker) median / p99 / mean;
- a breakdown per phase (load, engine, value write, state + activity, lock and the rest), wall
  and CPU medians, and how many value-database connections and DDL checks the run opened;
- PostgreSQL CPU per tick: what the run's own server backends (the project connection and the
  value writer's) spent, read from /proc/<pid>/schedstat (PostgreSQL on this machine); the
  server's shared background processes (WAL writer, checkpointer, background writer,
  autovacuum) are shown apart, since on a shared machine they also work for other databases;
- default buildings one machine sustains at 15 minutes:
      cores x 900 s / (worker CPU per tick + PostgreSQL CPU per tick)      (means)
  i.e. the worker and the database share the machine's cores; plus the older figures:
  900 s / mean worker CPU per tick per worker core, and 900 s / mean wall per tick for one
  worker process running ticks back to back.

Every tick rewrites each point's `_current` row and the simulator's state row; with
autovacuum off (as on the test server here) those tables bloat, the values table's pages never
become all-visible, and PostgreSQL's cost per tick grows with the run. `--vacuum-every N`
(default 50) vacuums the three tables between ticks the way autovacuum would, on the project
connection, so its CPU counts in PostgreSQL's share (0: never).

`--fleet N` ticks N distinct buildings of one fleet (engine/fleet.py variants of the default
template, provisioned in bulk) round-robin, the way a worker serving a fleet meets them: each
building's first tick is the warm-up, then `--ticks` ticks go round the fleet. With more
buildings than the worker's model cache holds, ticks pay a compile; the run also prints the
compile misses, the worker's RSS and the compiled model's size.

    .venv/bin/python bench/bench_tick.py [--ticks 200] [--cores 2] [--vacuum-every 50]
                                         [--fleet N] [--fleet-seed 7]
"""

import argparse
import os
import statistics
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from scratch import setup_django


class Phases:
    """Wall and CPU seconds per named phase of the current tick."""

    def __init__(self):
        self.current = defaultdict(lambda: [0.0, 0.0])
        self.ticks = []

    @contextmanager
    def measure(self, name):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            entry = self.current[name]
            entry[0] += time.perf_counter() - wall
            entry[1] += time.process_time() - cpu

    def wrap(self, owner, attribute, name):
        original = getattr(owner, attribute, None)
        if original is None:  # an older tree without this step
            return
        phases = self

        def timed(*args, **kwargs):
            with phases.measure(name):
                return original(*args, **kwargs)

        setattr(owner, attribute, timed)

    def end_tick(self):
        self.ticks.append(dict(self.current))
        self.current.clear()


def stats(values):
    values = sorted(values)
    return (statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))],
            statistics.fmean(values))


BACKGROUND = ("walwriter", "checkpointer", "background writer", "autovacuum")


def cpu_seconds(pid):
    """CPU seconds a local process has run (Linux /proc schedstat: nanoseconds on a CPU, not
    rounded to clock ticks), None if unreadable."""
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            return int(handle.read().split()[0]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def background_pids():
    """PostgreSQL's shared background processes on this machine (by their process titles)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                title = handle.read().decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and any(name in title for name in BACKGROUND):
            pids.append(int(entry))
    return pids


def total_cpu(pids):
    values = [cpu_seconds(pid) for pid in pids]
    return None if any(v is None for v in values) else sum(values)


def backend_pids(value_databases):
    """Server pids of this process's connections: the project database and every value
    database connection of the process's writer."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pids = [cursor.fetchone()[0]]
    writer = value_databases.shared_writer()
    for db in getattr(writer, "databases", [getattr(writer, "primary", None)]):
        conn = getattr(db, "_conn", None)
        if conn is not None and not conn.closed:
            pids.append(conn.info.backend_pid)
    return pids


def rss_mb():
    """The process's resident set (and its peak), MB, from /proc/self/status."""
    found = {}
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found.get("VmRSS"), found.get("VmHWM")


class GcTime:
    """Seconds and count of the garbage collector's full (generation 2) and younger passes."""

    def __init__(self):
        import gc

        self.seconds, self.full, self.young, self._t = 0.0, 0, 0, None
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if phase == "start":
            self._t = time.process_time()
        elif self._t is not None:
            self.seconds += time.process_time() - self._t
            if info["generation"] == 2:
                self.full += 1
            else:
                self.young += 1


def compile_counts():
    """(misses, hits) of the engine's model cache so far."""
    from simulator_app.engine import model

    info = model.cache_info() if hasattr(model, "cache_info") else model._compile.cache_info()
    return info.misses, info.hits


def model_size_mb(spec):
    """MB a freshly compiled model of `spec` keeps alive (tracemalloc), and the ms to compile."""
    import gc
    import tracemalloc

    from simulator_app.engine import model

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    cpu = time.process_time()
    compiled = model.compile_spec(spec)
    cpu = time.process_time() - cpu
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(d.size_diff for d in after.compare_to(before, "filename"))
    del compiled
    return grown / 2**20, cpu * 1000


def make_fleet(org, size, seed):
    """The fleet's simulators (bulk provisioned, started without a first tick)."""
    from simulator_app.models import Simulator
    from simulator_app.services import fleets, lifecycle

    fleet = fleets.define_fleet(org, "Bench fleet", size, seed=seed)
    fleets.grow(fleet)
    sims = fleets.members(fleet)
    for sim in sims:
        lifecycle.start(sim, run_first_tick=False)
    return [Simulator.objects.get(pk=s.pk) for s in sims]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1,
                        help="worker cores for the sustained estimate (default: this machine's)")
    parser.add_argument("--vacuum-every", type=int, default=50,
                        help="VACUUM the tables every tick rewrites, every N ticks (0: never)")
    parser.add_argument("--fleet", type=int, default=0,
                        help="tick N distinct fleet buildings round-robin (0: one default building)")
    parser.add_argument("--fleet-seed", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    setup_django(os.environ.get("HSIM_BENCH_DB", "hsim_bench_tick"))
    import psycopg

    from simulator_app.services import lifecycle, runtime, tick
    from simulator_app.services.orgs import create_org
    from simulator_app.services.simulators import create_simulator
    from simulator_app.services import value_databases
    from simulator_app.storage import pg_writer

    org = create_org("bench")
    if args.fleet:
        setup = time.perf_counter()
        sims = make_fleet(org, args.fleet, args.fleet_seed)
        print(f"fleet: {len(sims)} buildings provisioned and started in"
              f" {time.perf_counter() - setup:.1f} s")
    else:
        sims = [create_simulator(org, "Tower", None, 15)]
        lifecycle.start(sims[0], run_first_tick=False)
    simulator = sims[0]

    phases = Phases()
    phases.wrap(runtime, "load", "load (simulator, state, entity map)")
    phases.wrap(runtime.SimulatorContext, "generate", "engine")
    phases.wrap(runtime.SimulatorContext, "write", "value write (COPY + _current)")
    phases.wrap(tick, "save_state_and_log", "state + activity")
    phases.wrap(runtime.SimulatorContext, "save_progress", "state + activity")  # older trees
    phases.wrap(tick, "log_event", "state + activity")
    connects = []
    original_connect = psycopg.connect

    def counting_connect(*a, **kw):
        connects.append(1)
        return original_connect(*a, **kw)

    pg_writer.psycopg.connect = counting_connect

    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    now_of = {}
    rss_start = rss_mb()[0]
    for sim in sims:  # warm-up: imports, first connection, caches, every building's first tick
        now_of[sim.poller_id] = start
        tick.run_tick(sim.poller_id, now=start)
    misses_before, hits_before = compile_counts()
    gc_time = GcTime()
    phases.ticks.clear()
    phases.current.clear()
    connects.clear()
    primary = (value_databases.shared_writer().primary
               if hasattr(value_databases, "shared_writer") else None)
    ddl_before = getattr(primary, "ddl_checks", 0)

    backends = backend_pids(value_databases)
    background = background_pids()
    per_backend_before = [cpu_seconds(pid) for pid in backends]
    pg_before, bg_before = total_cpu(backends), total_cpu(background)
    from django.db import connection

    from simulator_app.models import SimulatorState
    from simulator_app.storage import ddl

    # The values table too: insert-only, autovacuum's insert threshold would vacuum it about
    # as often (which keeps index-only scans of the watermark probe off the heap).
    rewritten = [f'"{ddl.SCHEMA}"."{name}"' for name in ddl.table_names(simulator.org.key)]
    rewritten.append(connection.ops.quote_name(SimulatorState._meta.db_table))
    walls, cpus, rows = [], [], 0
    for i in range(args.ticks):
        if args.vacuum_every and i and i % args.vacuum_every == 0:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {', '.join(rewritten)}")
        sim_id = sims[i % len(sims)].poller_id
        now_of[sim_id] = now = now_of[sim_id] + timedelta(minutes=15)
        wall, cpu = time.perf_counter(), time.process_time()
        result = tick.run_tick(sim_id, now=now)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        phases.current["total"] = [walls[-1], cpus[-1]]
        phases.end_tick()
        assert result.outcome == "generated", result
        rows += result.rows

    pg_after, bg_after = total_cpu(backends), total_cpu(background)
    per_backend_after = [cpu_seconds(pid) for pid in backends]
    misses, hits = (a - b for a, b in zip(compile_counts(), (misses_before, hits_before)))
    rss_end, rss_peak = rss_mb()
    same_backends = backend_pids(value_databases) == backends
    wall_med, wall_p99, wall_mean = stats(walls)
    cpu_med, cpu_p99, cpu_mean = stats(cpus)
    if args.fleet:
        print(f"fleet mode: {len(sims)} distinct buildings ticked round-robin"
              f" ({args.ticks / len(sims):.1f} ticks each after the warm-up)")
    print(f"ticks: {args.ticks}  rows/tick: {rows / args.ticks:.0f}")
    print(f"model compiles in the measured ticks: {misses} misses, {hits} hits"
          f" ({misses / args.ticks:.0%} of ticks)")
    print(f"garbage collector in the measured ticks: {gc_time.seconds / args.ticks * 1000:.2f} ms"
          f" CPU per tick ({gc_time.full} full passes, {gc_time.young} younger)")
    if rss_end is not None:
        print(f"worker RSS: {rss_end:.0f} MB after the run (peak {rss_peak:.0f} MB;"
              f" {rss_start:.0f} MB before the warm-up)")
    print(f"tick wall: median {wall_med * 1000:.1f} ms  p99 {wall_p99 * 1000:.1f} ms"
          f"  mean {wall_mean * 1000:.1f} ms")
    print(f"tick CPU (worker): median {cpu_med * 1000:.1f} ms  p99 {cpu_p99 * 1000:.1f} ms"
          f"  mean {cpu_mean * 1000:.1f} ms")
    print("breakdown (median per tick)       wall ms   CPU ms")
    names = [n for n in phases.ticks[0] if n != "total"]
    for name in names:
        print(f"  {name:32s} {statistics.median(t[name][0] for t in phases.ticks) * 1000:7.2f}"
              f"  {statistics.median(t[name][1] for t in phases.ticks) * 1000:7.2f}")
    rest_wall = statistics.median(t["total"][0] - sum(t[n][0] for n in names)
                                  for t in phases.ticks)
    rest_cpu = statistics.median(t["total"][1] - sum(t[n][1] for n in names)
                                 for t in phases.ticks)
    print(f"  {'lock, clock, window, rest':32s} {rest_wall * 1000:7.2f}  {rest_cpu * 1000:7.2f}")
    ddl_checks = "not counted" if primary is None else primary.ddl_checks - ddl_before
    print(f"value-database connections opened in {args.ticks} ticks: {len(connects)};"
          f" DDL checks: {ddl_checks}")
    if pg_before is None or pg_after is None or not same_backends:
        print("PostgreSQL CPU per tick: not measured (server not local, /proc unreadable, or a"
              " connection was reopened during the run)")
        pg_mean = None
    else:
        pg_mean = (pg_after - pg_before) / args.ticks
        split = ", ".join(
            f"{name} {(after - before) / args.ticks * 1000:.1f} ms" for name, before, after in
            zip(["project database"] + [f"value database {i + 1}" for i in range(len(backends))],
                per_backend_before, per_backend_after))
        print(f"PostgreSQL CPU per tick (this run's {len(backends)} backends): mean"
              f" {pg_mean * 1000:.1f} ms ({split})")
    if bg_before is not None and bg_after is not None and background:
        print(f"  + server background processes (shared with every database here):"
              f" {(bg_after - bg_before) / args.ticks * 1000:.1f} ms per tick, not counted below")
    if pg_mean is not None:
        per_tick = cpu_mean + pg_mean
        print(f"default buildings one machine sustains at 15 minutes: {int(args.cores * 900 / per_tick)}"
              f"  = {args.cores} cores x 900 s / (worker CPU {cpu_mean * 1000:.1f} ms"
              f" + PostgreSQL CPU {pg_mean * 1000:.1f} ms per tick)")
    print(f"sustained default buildings at 15 min: {int(900 / cpu_mean * args.cores)} by worker"
          f" CPU alone on {args.cores} core(s); {int(900 / wall_mean)} by one worker process's"
          f" wall time (PostgreSQL sharing the cores)")
    if args.fleet:
        from simulator_app.engine.fleet import variant
        from simulator_app.services.simulator_config import parse_building

        from simulator_app.engine import model

        unseen = [parse_building(variant({}, args.fleet_seed + 1, i), None) for i in range(6)]
        costs = []
        for spec in unseen[1:]:  # fleet buildings this process never met
            cpu = time.process_time()
            model.compile_spec(spec)
            costs.append(time.process_time() - cpu)
        size, _ = model_size_mb(unseen[0])
        print(f"compile miss (a building never seen): median {statistics.median(costs) * 1000:.1f}"
              f" ms CPU; a compiled model keeps {size:.2f} MB alive (tracemalloc)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
