"""Celery tasks: thin adapters over the services."""

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_process_init

from .services import backfill, fleets, recovery, retention, task_connections, tick
from .services.value_databases import reset_shared_writer
from .services.queue import enqueue_backfill, enqueue_fleet, enqueue_tick

# A backfill task works this long, then queues its own continuation: it stays well inside the
# task time limits, and a worker restart loses at most one chunk (the job resumes from its cursor).
BACKFILL_SLICE_SECONDS = 30


@worker_process_init.connect
def open_own_value_connections(**_):
    """A prefork child opens its own value-database connections on its first tick: sockets
    inherited from the parent must never be used (nor closed) by two processes."""
    reset_shared_writer(close=False)


@task_prerun.connect
def check_project_connection(task=None, **_):
    if not getattr(task.request, "is_eager", False):
        task_connections.before_task()


@task_postrun.connect
def keep_or_close_project_connection(task=None, state=None, **_):
    """Keep the project database's session for the next task when it is clean (see
    services/task_connections); Celery's fix-up no longer closes it after every task."""
    if not getattr(task.request, "is_eager", False):
        task_connections.after_task(succeeded=state == "SUCCESS")


@shared_task(name="simulator_app.tasks.run_simulator", ignore_result=True)
def run_simulator(simulator_id):
    result = tick.run_tick(simulator_id)
    if result.remaining:
        # Catch up the rest in further bounded ticks rather than one giant transaction.
        enqueue_tick(simulator_id, on_commit=False)
    return result.as_dict()


@shared_task(name="simulator_app.tasks.backfill_simulator", ignore_result=True)
def backfill_simulator(job_id):
    progress = backfill.run_job(job_id, time_budget=BACKFILL_SLICE_SECONDS)
    # Unfinished: pending again while its next slice waits in the queue (a long queue is then
    # not taken for a dead worker). Not "done" or "failed": a late or duplicate task of a
    # finished job, and an expired job's, stops here -- as does this one when another runner of
    # the job already queued its next slice.
    if progress.status == "running" and backfill.await_next_slice(job_id):
        enqueue_backfill(job_id, on_commit=False)
    return progress.as_dict()


@shared_task(name="simulator_app.tasks.recovery_probe", ignore_result=True)
def recovery_probe():
    """Beat's recovery probe: failed secondaries, and auto-resume after a primary outage."""
    return recovery.run_probe()


@shared_task(name="simulator_app.tasks.apply_retention", ignore_result=True)
def apply_retention():
    """Beat's hourly retention and compression run over every org and value database."""
    return retention.run_retention()


@shared_task(name="simulator_app.tasks.fleet_action", ignore_result=True)
def fleet_action(fleet_id, verb, indexes=None, then_start=False):
    """Grow, start, stop or delete a fleet in slices inside the task time limits."""
    result = fleets.run_action(fleet_id, verb, indexes, then_start, BACKFILL_SLICE_SECONDS)
    if result["more"]:
        enqueue_fleet(fleet_id, verb, indexes, then_start, on_commit=False)
    return result
