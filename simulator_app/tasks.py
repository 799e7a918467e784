"""Celery tasks: thin adapters over the services."""

from celery import shared_task

from .services import backfill, tick
from .services.queue import enqueue_tick


@shared_task(name="simulator_app.tasks.run_simulator", ignore_result=True)
def run_simulator(simulator_id):
    result = tick.run_tick(simulator_id)
    if result.remaining:
        # Catch up the rest in further bounded ticks rather than one giant transaction.
        enqueue_tick(simulator_id, on_commit=False)
    return result.as_dict()


@shared_task(name="simulator_app.tasks.backfill_simulator", ignore_result=True, soft_time_limit=None, time_limit=None)
def backfill_simulator(job_id):
    return backfill.run_job(job_id).as_dict()
