"""Fleet benchmark: a real beat (HsimScheduler) and real workers at a compressed interval (1
minute, or 5 with --interval-minutes 5), with a churn of starts and stops, on PostgreSQL and
Redis.

    .venv/bin/python bench/bench_fleet.py [N] [--intervals 3] [--churn 10] [--workers 1]
                                          [--concurrency 2] [--default-building]
                                          [--interval-minutes 1]
    .venv/bin/python bench/bench_fleet.py --beat-only 20000 [--intervals 3] [--churn 10]

Fleet mode creates N buildings (default 1000) through services/fleets (a one-floor template,
or the default building with --default-building), starts them all, runs beat and the workers
for the given number of intervals while starting and stopping random members at
--churn changes per second (services/lifecycle, as the API does), and prints:

- provisioning seconds per building;
- sends per interval vs due, beat lateness p50/p99/max (send time minus the task's grid point,
  from beat's send log, HSIM_BEAT_SEND_LOG), missed and doubled task-intervals;
- ticks completed per interval and value rows per second (from the workers' logs);
- CPU of beat, the workers, this database's live PostgreSQL sessions and the whole PostgreSQL
  server (sessions that ended included: a session per tick is invisible to sampling), from
  /proc, as a share of one core and of the machine, and per completed tick; from that, the
  buildings this machine sustains at 15 minutes.

--beat-only N measures beat alone: N periodic tasks phased like services/schedule.enable phases
simulators (no buildings), sent to a Redis queue nobody consumes (counted from the send log,
then the queue is deleted), with the same churn through services/schedule.

N buildings at a 1-minute interval tick as often as 15 x N at 15 minutes (1,334 ~ 20,000);
at 5 minutes, 6,667 ~ 20,000, with a third of the value rows per interval a real fleet writes.

Due task-intervals: a running task is due at each point start_time + k x interval of each period it
was enabled, from its start until 5 s before its stop (a stop that lands right after a point
may or may not beat that send: neither counts as missed). Judged: the points from the first boundary at least 20 s after beat
started, for --intervals intervals (each send given 20 s more). Uses a scratch database (`hsim_bench_fleet_beat` or
$HSIM_BENCH_DB) and the Redis database of $CELERY_BROKER_URL (default db 14), flushed first.
"""

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

from scratch import ROOT, setup_django

PERIOD = 60  # seconds; --interval-minutes sets it
STOP_MARGIN = 5.0
TAIL = 20.0
SMALL = {"site": {"floors": 1},
         "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                       "chillers": {"count": 1}, "boilers": {"count": 1}}}
BEAT_ONLY_QUEUE = "hsim-bench-beat-only"
DONE = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),\d+: INFO/[^\]]+\] Task "
                  r"simulator_app\.tasks\.run_simulator\[[^\]]+\] succeeded in [\d.]+s: (.*)$")
ROWS = re.compile(r"'rows': (\d+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU from /proc -----------------------------------------------------------------------
def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def children(pid):
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return out


def postgres_total_cpu(postmaster):
    """CPU seconds of the whole PostgreSQL server so far: the postmaster, its live children
    (sessions and background processes) and the children it has reaped (cutime + cstime). The
    difference of two readings counts every session in between exactly, short-lived ones
    included (a session per tick is missed by sampling live pids); it also counts other
    databases' work on a shared server."""
    try:
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        reaped = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS  # cutime + cstime
    except (OSError, IndexError, ValueError):
        return None
    return reaped + sum(filter(None, map(cpu_seconds, [postmaster, *children(postmaster)])))


class CpuMeter:
    """CPU seconds per group of processes, sampled: the newest reading of each pid counts
    (a process that exits between samples loses at most its last few seconds)."""

    def __init__(self):
        self.first = {}
        self.last = {}
        self.groups = defaultdict(set)

    def sample(self, group, pids):
        for pid in pids:
            value = cpu_seconds(pid)
            if value is None:
                continue
            self.groups[group].add(pid)
            self.first.setdefault(pid, value)
            self.last[pid] = value

    def used(self, group, since_start=False):
        return sum(self.last[p] - (0 if since_start else self.first[p]) for p in self.groups[group])


# --- the run ------------------------------------------------------------------------------
def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


class Timeline:
    """When each task was enabled (and from which start_time) and disabled, as committed."""

    def __init__(self):
        self.periods = defaultdict(list)  # name -> [[start_time, stop or None]]

    def started(self, name, start_time):
        self.periods[name].append([start_time, None])

    def stopped(self, name, at):
        if self.periods[name] and self.periods[name][-1][1] is None:
            self.periods[name][-1][1] = at

    def due(self, begin, end):
        """{(name, grid point)} due in [begin, end]."""
        points = set()
        for name, periods in self.periods.items():
            for start, stop in periods:
                last = min(end, (stop - STOP_MARGIN) if stop is not None else end)
                k = max(0, -int(-(begin - start) // PERIOD))
                while start + k * PERIOD <= last and start + k * PERIOD < end:
                    points.add((name, round(start + k * PERIOD, 3)))
                    k += 1
        return points

    def running_at(self, name, point):
        return any(start <= point and (stop is None or point < stop)
                   for start, stop in self.periods[name])


def spawn(args, env, log_path):
    log = open(log_path, "w")
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "hsim_project", *args],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    log.close()
    return process


def stop_all(processes):
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--intervals", type=int, default=3)
    parser.add_argument("--churn", type=float, default=10.0, help="starts+stops per second")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size per worker")
    parser.add_argument("--default-building", action="store_true")
    parser.add_argument("--beat-only", type=int, metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval-minutes", type=int, choices=(1, 5), default=1)
    args = parser.parse_args()
    global PERIOD
    PERIOD = 60 * args.interval_minutes
    redis_url = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    os.environ["CELERY_BROKER_URL"] = redis_url
    setup_django(os.environ.get("HSIM_BENCH_DB", "hsim_bench_fleet_beat"))

    import redis
    from django.db import connection
    from django_celery_beat.models import PeriodicTask

    from simulator_app.beat import send_log

    redis.Redis.from_url(redis_url).flushdb()
    workdir = ROOT / "var" / "bench_fleet"
    workdir.mkdir(parents=True, exist_ok=True)
    sends_path = workdir / "sends.log"
    sends_path.unlink(missing_ok=True)
    env = dict(os.environ, TZ="UTC", SECRET_KEY=os.environ.get("SECRET_KEY")
               or secrets.token_urlsafe(48), DJANGO_SETTINGS_MODULE="hsim_project.settings",
               HSIM_BEAT_SEND_LOG=str(sends_path))
    rng = random.Random(args.seed)
    timeline = Timeline()
    beat_only = args.beat_only is not None

    def start_times(names):
        return dict(PeriodicTask.objects.filter(name__in=names).values_list("name", "start_time"))

    # --- provisioning and the first starts --------------------------------------------------
    if beat_only:
        n = args.beat_only
        change, ids, per_building = setup_beat_only(n, args.interval_minutes, timeline,
                                                    start_times)
    else:
        n = args.n
        change, ids, per_building = setup_fleet(n, args, timeline, start_times)
    print(f"mode: {'beat-only' if beat_only else 'fleet'}  tasks: {n}  intervals: "
          f"{args.intervals} x {PERIOD // 60} min  churn: {args.churn}/s  "
          f"{'' if beat_only else f'workers: {args.workers} x {args.concurrency}'}")
    if per_building is not None:
        print(f"provisioning_s_per_building: {per_building:.4f}"
              f" ({'default' if args.default_building else 'one-floor'} building)")

    processes = []
    beat = spawn(["beat", "--loglevel=WARNING"], env, workdir / "beat.log")
    processes.append(beat)
    workers = [] if beat_only else [
        spawn(["worker", f"--concurrency={args.concurrency}", "--loglevel=INFO",
               "-n", f"bench{w}@%h"], env, workdir / f"worker{w}.log")
        for w in range(args.workers)]
    processes += workers

    meter = CpuMeter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    server_cpu = []

    def sample():
        meter.sample("beat", [beat.pid])
        for worker in workers:
            meter.sample("workers", [worker.pid, *children(worker.pid)])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                           " AND pid <> pg_backend_pid()")
            meter.sample("postgres", [row[0] for row in cursor.fetchall()])

    # Measure from the first grid point after beat has had time to load.
    began = time.time()
    measure_from = (int(began + 20) // PERIOD + 1) * PERIOD + 5  # beat loaded by then
    measure_to = measure_from + args.intervals * PERIOD
    changes = 0
    next_sample = 0.0
    cpu_started = None
    try:
        while time.time() < measure_to + TAIL:
            now = time.time()
            if beat.poll() is not None:
                sys.exit(f"beat exited: {(workdir / 'beat.log').read_text()[-3000:]}")
            if now >= next_sample:
                sample()
                if cpu_started is None and now >= measure_from:
                    meter.first = dict(meter.last)
                    server_cpu.append(postgres_total_cpu(postmaster))
                    cpu_started = now
                next_sample = now + 5
            if args.churn > 0 and now >= measure_from - PERIOD / 2:
                change(rng.choice(ids))
                changes += 1
                time.sleep(max(0.0, 1 / args.churn - (time.time() - now)))
            else:
                time.sleep(0.2)
        sample()
        server_cpu.append(postgres_total_cpu(postmaster))
        cpu_ended = time.time()
        cpu_wall = cpu_ended - (cpu_started or began)
    finally:
        stop_all(processes)

    # --- figures ------------------------------------------------------------------------------
    sent = [s for s in send_log.read(sends_path) if s[3].startswith("simulator:")]
    # Points up to measure_to: their sends had TAIL seconds more.
    window = [s for s in sent if measure_from <= s[1] < measure_to]
    due = timeline.due(measure_from, measure_to)
    per_point = Counter((name, round(point, 3)) for _, point, _, name in window)
    doubled = sum(c - 1 for c in per_point.values() if c > 1)
    missed = len(due - set(per_point))
    stale = sum(1 for (name, point) in per_point if not timeline.running_at(name, point))
    lateness = [sent_at - point for sent_at, point, _, _ in window]
    churn_seconds = measure_to + TAIL - (measure_from - PERIOD / 2)
    print(f"churn_changes: {changes} ({changes / churn_seconds:.1f}/s)")
    print("interval    due  sent_of_due  other_sends (in a stop's 5 s margin or after it)")
    due_by = Counter(point // PERIOD for _, point in due)
    sent_by = Counter(point // PERIOD for key in per_point if key in due for point in [key[1]])
    other_by = Counter(point // PERIOD for key in per_point if key not in due
                       for point in [key[1]])
    for minute in sorted(set(due_by) | set(other_by)):
        label = datetime.fromtimestamp(minute * PERIOD, tz=timezone.utc).strftime("%H:%M")
        print(f"{label:>8}  {due_by[minute]:>5}  {sent_by.get(minute, 0):>11}"
              f"  {other_by.get(minute, 0):>11}")
    print(f"lateness_s p50: {percentile(lateness, 50):.2f}  p99: {percentile(lateness, 99):.2f}"
          f"  max: {max(lateness, default=float('nan')):.2f}  (sends judged: {len(window)})")
    print(f"missed_task_intervals: {missed}  doubled_task_intervals: {doubled}"
          f"  sent_after_a_stop: {stale}")
    if beat_only:
        queued = redis.Redis.from_url(redis_url).llen(BEAT_ONLY_QUEUE)
        print(f"queued_unconsumed: {queued} (all sends: {len(sent)}); queue deleted")
        redis.Redis.from_url(redis_url).delete(BEAT_ONLY_QUEUE, "celery")
        metered_ticks = None
    else:
        metered_ticks = report_ticks(workdir, args.workers, measure_from, measure_to,
                                     cpu_started or began, cpu_ended)
    cores = os.cpu_count() or 1
    per_tick = 0.0
    for group in ("beat", "workers", "postgres"):
        if meter.groups[group]:
            used = meter.used(group)
            print(f"cpu_{group}: {used:.1f} s = {used / cpu_wall:.2f} of a core"
                  f" ({100 * used / cpu_wall / cores:.0f} % of {cores} cores)"
                  + (f", {1000 * used / metered_ticks:.1f} ms per tick" if metered_ticks else ""))
            if group != "postgres":  # counted whole below
                per_tick += used / metered_ticks if metered_ticks else 0.0
    if len(server_cpu) == 2 and None not in server_cpu:
        used = server_cpu[1] - server_cpu[0]
        print(f"cpu_postgres_server (every process of the server, sessions that ended"
              f" included): {used:.1f} s = {used / cpu_wall:.2f} of a core"
              + (f", {1000 * used / metered_ticks:.1f} ms per tick" if metered_ticks else ""))
        per_tick += used / metered_ticks if metered_ticks else 0.0
    if metered_ticks:
        # The whole stack's CPU per completed tick (Celery, logging, gap fills after restarts,
        # model compiles of buildings a worker process meets for the first time included).
        print(f"ticks_metered: {metered_ticks}  cpu_per_tick (beat + workers + PostgreSQL server): "
              f"{1000 * per_tick:.1f} ms  -> buildings this machine sustains at 15 min: "
              f"{cores * 900 / per_tick:,.0f} ({cores} cores x 900 s / cpu_per_tick)")
    load = os.getloadavg()
    print(f"loadavg_at_end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (shared machine)")


def report_ticks(workdir, workers, measure_from, measure_to, metered_from, metered_to):
    """Prints ticks per interval and rows/s; returns the ticks completed while CPU was metered
    (metered_from to metered_to, to the second of the workers' log)."""
    per_minute, rows, metered = Counter(), 0, 0
    for w in range(workers):
        for line in (workdir / f"worker{w}.log").read_text().splitlines():
            match = DONE.search(line)
            if not match:
                continue
            at = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=timezone.utc).timestamp()
            metered += int(metered_from) <= at <= int(metered_to)
            if measure_from <= at < measure_to:
                per_minute[int(at - measure_from) // PERIOD] += 1
                found = ROWS.search(match.group(2))
                rows += int(found.group(1)) if found else 0
    ticks = [per_minute.get(i, 0) for i in range((measure_to - measure_from) // PERIOD)]
    print(f"ticks_completed_per_interval: {ticks}")
    print(f"value_rows_per_s: {rows / (measure_to - measure_from):,.0f}")
    return metered


def setup_fleet(n, args, timeline, start_times):
    from simulator_app.services import fleets, lifecycle
    from simulator_app.services.orgs import create_org
    from simulator_app.services.schedule import task_name
    from simulator_app.services.errors import TransitionError

    org = create_org("benchfleet")
    fleet = fleets.define_fleet(org, "Bench", n, template=None if args.default_building else SMALL,
                                seed=args.seed, interval_minutes=args.interval_minutes)
    began = time.perf_counter()
    fleets.grow(fleet)
    per_building = (time.perf_counter() - began) / n
    sims = {s.poller_id: s for s in fleets.members(fleet)}
    fleets.start(fleet)
    names = [task_name(i) for i in sims]
    for name, start in start_times(names).items():
        timeline.started(name, start.timestamp())
    running = set(sims)

    def change(simulator_id):
        name = task_name(simulator_id)
        sim = sims[simulator_id]
        try:
            if simulator_id in running:
                lifecycle.stop(sim)
                running.discard(simulator_id)
                timeline.stopped(name, time.time())
            else:
                lifecycle.start(sim)
                running.add(simulator_id)
                timeline.started(name, start_times([name])[name].timestamp())
        except TransitionError:
            pass

    return change, list(sims), per_building


def setup_beat_only(n, minutes, timeline, start_times):
    """N tasks as services/schedule.enable writes them (bulk: no buildings behind them)."""
    import json

    from django.utils import timezone as dj_timezone
    from django_celery_beat.models import PeriodicTask, PeriodicTasks

    from simulator_app.services import schedule

    now = dj_timezone.now()
    every = schedule.interval_schedule(minutes)
    spread = schedule.spread_seconds(minutes, enabled=n)  # as enable() phases the n-th simulator
    ids = list(range(1, n + 1))
    starts = {i: schedule.next_boundary(now, minutes, schedule.phase_offset(i, spread))
              for i in ids}
    PeriodicTask.objects.bulk_create([
        PeriodicTask(name=schedule.task_name(i), task=schedule.TICK_TASK, interval=every,
                     args=json.dumps([i]), kwargs="{}", enabled=True, start_time=starts[i],
                     expire_seconds=PERIOD, queue=BEAT_ONLY_QUEUE,
                     description=f"bench task {i}")
        for i in ids], batch_size=2000)
    PeriodicTasks.update_changed()
    print(f"phases spread over {spread} s after each boundary")
    for i in ids:
        timeline.started(schedule.task_name(i), starts[i].timestamp())
    running = set(ids)

    def change(i):
        name = schedule.task_name(i)
        if i in running:
            schedule.disable(i)
            running.discard(i)
            timeline.stopped(name, time.time())
        else:
            schedule.enable(i, minutes)
            running.add(i)
            timeline.started(name, start_times([name])[name].timestamp())

    return change, ids, None


if __name__ == "__main__":
    main()
