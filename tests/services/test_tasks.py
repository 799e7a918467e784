"""Task bodies, called directly, with the real broker receiving what they queue."""

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings

from simulator_app import tasks
from simulator_app.models import BackfillJob
from simulator_app.services import backfill

from .conftest import T0


@pytest.fixture
def broker_queue():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("these tests need CELERY_BROKER_URL on Redis (./hsim test sets it)")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("celery")
    yield lambda: [json.loads(m)["headers"] for m in client.lrange("celery", 0, -1)]
    client.delete("celery")


def test_a_backfill_task_works_a_slice_then_queues_its_continuation(
    simulator, settings, monkeypatch, broker_queue
):
    settings.HSIM_BACKFILL_CHUNK_INTERVALS = 4
    monkeypatch.setattr(tasks, "BACKFILL_SLICE_SECONDS", 0)
    job = backfill.create_job(simulator, T0 - timedelta(hours=4), T0, now=T0)
    result = tasks.backfill_simulator.run(job.id)
    assert result["status"] == "running" and result["done_intervals"] == 4
    queued = broker_queue()
    assert [(h["task"], h["argsrepr"]) for h in queued] == [
        ("simulator_app.tasks.backfill_simulator", f"[{job.id}]")
    ]
    for _ in range(3):
        tasks.backfill_simulator.run(job.id)
    assert BackfillJob.objects.get(pk=job.id).status == "done"


def test_a_tick_task_with_more_due_queues_the_next_tick(running, settings, broker_queue):
    settings.HSIM_MAX_INTERVALS_PER_TICK = 2
    from simulator_app.services.tick import run_tick

    run_tick(running.poller_id, now=T0 - timedelta(hours=2))
    result = tasks.run_simulator.run(running.poller_id)  # "now": far more than 2 intervals due
    assert result["intervals"] == 2 and result["remaining"] > 0
    assert [h["task"] for h in broker_queue()] == ["simulator_app.tasks.run_simulator"]
