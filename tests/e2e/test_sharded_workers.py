"""Past one machine: two real Celery workers on separate shard queues (Redis broker). One org
floods its queue with a long backfill and a burst of ticks; the other org's simulator is
served by the other worker meanwhile, and both make progress."""

import os
import subprocess
import sys
from datetime import timedelta
from itertools import count

import pytest
import redis
from celery import current_app
from django.utils import timezone

from simulator_app.models import BackfillJob, SimulatorState
from simulator_app.services import backfill, lifecycle, routing
from simulator_app.services.orgs import create_org
from simulator_app.services.queue import RUN_SIMULATOR, enqueue_backfill
from simulator_app.services.simulators import create_simulator

from ..services.conftest import stored_rows
from .test_worker_and_beat import REDIS_URL, ROOT, wait_for, worker_env

SHARDS = 2


def start_worker(tmp_path, name, queues):
    log_path = tmp_path / f"{name}.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "hsim_project", "worker", "-Q", ",".join(queues),
         "-n", f"{name}@%h", "--loglevel=INFO", "--concurrency=1"],
        cwd=ROOT, env=dict(worker_env(), HSIM_QUEUE_SHARDS=str(SHARDS)), stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    return process, log, log_path


def stop(process, log):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def orgs_on_two_shards(unique_key):
    """Two orgs whose shard queues differ (the shard is a hash of the org id)."""
    first = create_org(unique_key("fl"))
    for n in count():
        other = create_org(unique_key(f"q{n}"))
        if routing.queue_for_org(other.pk) != routing.queue_for_org(first.pk):
            return first, other


@pytest.mark.django_db(transaction=True)
def test_a_flooded_shard_does_not_starve_the_other_orgs_worker(clean_core, unique_key,
                                                               settings, tmp_path):
    settings.HSIM_QUEUE_SHARDS = SHARDS  # this process routes as the workers do
    broker = redis.Redis.from_url(REDIS_URL)
    broker.flushdb()
    flooder, calm = orgs_on_two_shards(unique_key)
    flood_queue, calm_queue = routing.queue_for_org(flooder.pk), routing.queue_for_org(calm.pk)

    # The flood: a week of one-minute history (minutes of work in 30 s slices) and 200 ticks
    # queued behind it on the flooder's shard.
    heavy = create_simulator(flooder, "Heavy", None, 1)
    lifecycle.start(heavy, run_first_tick=False)
    now = timezone.now()
    job = backfill.create_job(heavy, now - timedelta(days=7), now)
    enqueue_backfill(job.id, on_commit=False)
    for _ in range(200):
        current_app.send_task(RUN_SIMULATOR, args=[heavy.poller_id])
    flood_before = broker.llen(flood_queue)
    assert flood_before == 201

    calm_sim = create_simulator(calm, "Calm", None, 1)
    lifecycle.start(calm_sim, run_first_tick=False)
    calm_job = backfill.create_job(calm_sim, now - timedelta(hours=1), now)
    enqueue_backfill(calm_job.id, on_commit=False)  # its last hour, then ticks
    for _ in range(3):
        current_app.send_task(RUN_SIMULATOR, args=[calm_sim.poller_id])
    assert broker.llen(calm_queue) == 4 and broker.llen(flood_queue) == 201

    workers = [start_worker(tmp_path, "flood", [flood_queue]),
               start_worker(tmp_path, "calm", [calm_queue, "celery"])]
    try:
        calm_log = workers[1][2]

        def calm_done():
            return (BackfillJob.objects.get(pk=calm_job.pk).status == BackfillJob.DONE
                    and broker.llen(calm_queue) == 0
                    and SimulatorState.objects.get(
                        simulator_id=calm_sim.poller_id).last_run_timestamp is not None)

        wait_for(calm_done, 240, "the calm org's tick and backfill", calm_log)
        # The calm org was served while the flooder's shard still holds most of its flood:
        # it did not wait behind it.
        assert broker.llen(flood_queue) > 0
        assert len(stored_rows(calm_sim)) > 0
        state = SimulatorState.objects.get(simulator_id=calm_sim.poller_id)
        assert state.status == "running" and state.error_message is None
        # And the flooder's own worker makes progress on its backfill meanwhile.
        wait_for(lambda: BackfillJob.objects.get(pk=job.pk).cursor is not None, 240,
                 "the flooder's backfill to commit a chunk", workers[0][2])
        assert all(process.poll() is None for process, _, _ in workers)
    finally:
        for process, log, _ in workers:
            stop(process, log)
        broker.flushdb()
