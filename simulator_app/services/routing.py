"""Which Celery queue a simulator's work goes to: one shard queue per group of orgs.

HSIM_QUEUE_SHARDS = N > 0: a simulator's ticks and backfills go to queue `sim-<k>`, k =
crc32(org id) % N (stable across processes and machines, unlike Python's hash), so an org
that floods its queue (a big backfill, a burst of catch-up ticks) only delays the orgs of its
own shard; workers consuming the other shards never see that work. Everything else (fleet
actions, the recovery probe, retention) stays on the default queue `celery`. N = 0 (the
default): everything on `celery`, as before.

Beat's sends carry the queue from the simulator's PeriodicTask (`schedule.enable` sets it, so
beat needs no lookup per send); every other send is routed by `route_task` (Celery's
task_routes), which looks the org up once per send.
"""

import logging
import zlib

from django.conf import settings

log = logging.getLogger(__name__)

RUN_SIMULATOR = "simulator_app.tasks.run_simulator"
BACKFILL_SIMULATOR = "simulator_app.tasks.backfill_simulator"


def shard_count():
    return max(0, int(getattr(settings, "HSIM_QUEUE_SHARDS", 0) or 0))


def shard_queues():
    """Every shard queue name (a worker pool must consume all of them, and `celery`)."""
    return [f"sim-{k}" for k in range(shard_count())]


def queue_for_org(org_id):
    """The shard queue of an org, or None (the default queue) without sharding."""
    shards = shard_count()
    if not shards or org_id is None:
        return None
    return f"sim-{zlib.crc32(str(int(org_id)).encode()) % shards}"


def queue_for_simulator(simulator_id):
    from ..models import Simulator

    if not shard_count():
        return None
    org_id = (Simulator.objects.filter(poller_id=simulator_id)
              .values_list("org_id", flat=True).first())
    return queue_for_org(org_id)


def queue_for_backfill(job_id):
    from ..models import BackfillJob

    if not shard_count():
        return None
    org_id = (BackfillJob.objects.filter(pk=job_id)
              .values_list("simulator__org_id", flat=True).first())
    return queue_for_org(org_id)


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): a simulator's tick or backfill to its org's shard.
    An explicit queue (beat's, from the PeriodicTask) wins and costs no lookup."""
    if options.get("queue") or not shard_count() or name not in (RUN_SIMULATOR,
                                                                 BACKFILL_SIMULATOR):
        return None
    try:
        target = args[0] if args else (kwargs or {}).get(
            "simulator_id" if name == RUN_SIMULATOR else "job_id")
        queue = (queue_for_simulator(target) if name == RUN_SIMULATOR
                 else queue_for_backfill(target))
    except Exception as exc:  # never lose a send over routing: the default queue has workers
        log.warning("routing %s%s failed (%s): default queue", name, tuple(args or ()), exc)
        return None
    return {"queue": queue} if queue else None
