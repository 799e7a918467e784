"""Enqueue simulator work by task name (services never import the task modules)."""

from celery import current_app
from django.db import transaction

RUN_SIMULATOR = "simulator_app.tasks.run_simulator"
BACKFILL_SIMULATOR = "simulator_app.tasks.backfill_simulator"
FLEET_ACTION = "simulator_app.tasks.fleet_action"


def enqueue_tick(simulator_id, on_commit=True):
    """Queue a tick; after commit, so the worker sees the rows this transaction wrote."""

    def send():
        current_app.send_task(RUN_SIMULATOR, args=[simulator_id])

    transaction.on_commit(send) if on_commit else send()


def enqueue_backfill(job_id, on_commit=True):
    def send():
        current_app.send_task(BACKFILL_SIMULATOR, args=[job_id])

    transaction.on_commit(send) if on_commit else send()


def enqueue_fleet(fleet_id, verb, indexes=None, then_start=False, on_commit=True):
    """Queue a fleet's grow/start/stop/delete (after commit: the worker must see the fleet)."""

    def send():
        current_app.send_task(FLEET_ACTION, args=[fleet_id, verb, indexes, then_start])

    transaction.on_commit(send) if on_commit else send()
