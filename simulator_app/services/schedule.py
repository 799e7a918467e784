"""Keeps each simulator's django-celery-beat PeriodicTask in step with its lifecycle.

Explicit calls from the lifecycle services, not model signals. Beat notices changes through
PeriodicTasks' change row: saves and deletes of PeriodicTask bump it by signal, queryset
updates do not, so those call `PeriodicTasks.update_changed()` themselves.

`start_time` is the task's phase: the first boundary after the start, plus a few seconds, plus
the simulator's offset when many are scheduled (spread_seconds). hsim's
beat scheduler (simulator_app/beat/scheduler.py) fires interval tasks at start_time + k x
interval, so ticks stay just after each boundary after any beat restart or lag.
"""

import json

from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from . import routing
from .intervals import from_epoch

TICK_TASK = "simulator_app.tasks.run_simulator"


def task_name(simulator_id):
    return f"simulator:{simulator_id}"


def interval_schedule(minutes):
    # IntervalSchedule has no unique constraint and deleting one deletes its tasks: reuse the
    # oldest matching row, never delete.
    schedule = (
        IntervalSchedule.objects.filter(every=minutes, period=IntervalSchedule.MINUTES)
        .order_by("id")
        .first()
    )
    return schedule or IntervalSchedule.objects.create(every=minutes, period=IntervalSchedule.MINUTES)


def next_boundary(now, minutes, offset=0):
    """The next interval boundary (plus a few seconds, so the interval has closed, plus the
    simulator's phase offset)."""
    seconds = minutes * 60
    epoch = int(now.timestamp())
    return from_epoch(epoch - epoch % seconds + seconds + 5 + offset)


def spread_seconds(minutes, enabled=None):
    """How far after each boundary the phases of all simulators are spread: as long as beat
    needs to send every enabled task at HSIM_BEAT_SENDS_PER_SECOND (under a second, i.e. no
    spread, for a small deployment), at most the interval less 10 s. A fleet all phased on one
    second is a burst beat cannot send on time (about 1.5 ms of CPU a send here) and the
    workers queue anyway; spread, each send is on its own grid point and ticks arrive evenly.
    """
    if enabled is None:
        enabled = PeriodicTask.objects.filter(enabled=True).count()
    rate = max(1, int(getattr(settings, "HSIM_BEAT_SENDS_PER_SECOND", 200)))
    return max(0, min(minutes * 60 - 10, enabled // rate))


def phase_offset(simulator_id, spread):
    """The simulator's fixed share of the spread, whole seconds in [0, spread): a
    multiplicative hash of its id, so neighbouring ids land apart."""
    if spread < 1:
        return 0
    return (int(simulator_id) * 2654435761 % 2**32) * int(spread) // 2**32


def enable(simulator_id, minutes, now=None):
    """Create or enable the simulator's task, phased so it fires just after each boundary."""
    now = now or timezone.now()
    task, _ = PeriodicTask.objects.update_or_create(
        name=task_name(simulator_id),
        defaults={
            "task": TICK_TASK,
            "interval": interval_schedule(minutes),
            "crontab": None,
            "args": json.dumps([simulator_id]),
            "kwargs": "{}",
            "enabled": True,
            "one_off": False,
            "start_time": next_boundary(
                now, minutes, phase_offset(simulator_id, spread_seconds(minutes))),
            "last_run_at": None,
            # A tick that waited a whole interval in the queue is redundant: the next one
            # catches up everything due anyway.
            "expire_seconds": minutes * 60,
            "description": f"hsim simulator {simulator_id}: generate every {minutes} min",
            # Its org's shard queue with HSIM_QUEUE_SHARDS (services/routing.py), else the
            # default queue: beat's sends then need no routing lookup.
            "queue": routing.queue_for_simulator(simulator_id),
        },
    )
    return task


def disable(simulator_id):
    # A queryset update does not bump date_changed (auto_now): set it, or hsim's beat, which
    # applies rows by date_changed (beat/changes.py), would not see the stop until its scan.
    if PeriodicTask.objects.filter(name=task_name(simulator_id)).update(
            enabled=False, date_changed=timezone.now()):
        PeriodicTasks.update_changed()


def remove(simulator_id):
    PeriodicTask.objects.filter(name=task_name(simulator_id)).delete()
    PeriodicTasks.update_changed()


def is_enabled(simulator_id):
    return PeriodicTask.objects.filter(name=task_name(simulator_id), enabled=True).exists()
