"""Shard queues: each org's ticks and backfills go to sim-<crc32(org id) % N>, beat's sends
carry the queue from the simulator's PeriodicTask, everything else stays on `celery`."""

import zlib

from celery import current_app
from django_celery_beat.models import PeriodicTask

from simulator_app.services import lifecycle, routing, schedule
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator


def route(name, args, options=None):
    return current_app.amqp.router.route(dict(options or {}), name, args, {})


def test_without_shards_everything_stays_on_the_default_queue(running, settings):
    settings.HSIM_QUEUE_SHARDS = 0
    assert routing.queue_for_simulator(running.poller_id) is None
    assert route(routing.RUN_SIMULATOR, [running.poller_id])["queue"].name == "celery"


def test_an_orgs_ticks_and_backfills_go_to_its_shard(db, unique_key, settings):
    settings.HSIM_QUEUE_SHARDS = 4
    org = create_org(unique_key("ro"))
    simulator = create_simulator(org, "Tower", None, 15)
    expected = f"sim-{zlib.crc32(str(org.pk).encode()) % 4}"
    assert routing.queue_for_org(org.pk) == expected
    assert route(routing.RUN_SIMULATOR, [simulator.poller_id])["queue"].name == expected
    from simulator_app.models import BackfillJob
    from django.utils import timezone

    job = BackfillJob.objects.create(simulator=simulator, start=timezone.now(),
                                     end=timezone.now())
    assert route(routing.BACKFILL_SIMULATOR, [job.pk])["queue"].name == expected
    # Not a simulator's work: the default queue.
    assert route("simulator_app.tasks.recovery_probe", [])["queue"].name == "celery"
    # An explicit queue wins.
    assert route(routing.RUN_SIMULATOR, [simulator.poller_id],
                 {"queue": "sim-9"})["queue"].name == "sim-9"


def test_orgs_spread_over_every_shard(settings):
    settings.HSIM_QUEUE_SHARDS = 3
    queues = {routing.queue_for_org(org_id) for org_id in range(1, 60)}
    assert queues == set(routing.shard_queues()) == {"sim-0", "sim-1", "sim-2"}


def test_a_started_simulators_periodic_task_carries_its_shard_queue(db, unique_key, settings):
    settings.HSIM_QUEUE_SHARDS = 2
    org = create_org(unique_key("rp"))
    simulator = create_simulator(org, "Tower", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    task = PeriodicTask.objects.get(name=schedule.task_name(simulator.poller_id))
    assert task.queue == routing.queue_for_org(org.pk)
