"""hsim's beat scheduler in-process against real PostgreSQL and Redis: changes are applied row
by row (the full load runs once), a grid point is sent once, and a restart neither resends
nor loses one.

`tick()` is driven by hand. The tasks go to a queue of their own on the test Redis that no
worker reads (deleted afterwards); the sends are counted from the scheduler's send log.
"""

import json
import os
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import redis
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from hsim_project.celery import app
from simulator_app.beat import send_log
from simulator_app.beat.scheduler import HsimScheduler
from simulator_app.services import schedule

REDIS_URL = os.environ.get("HSIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PERIOD = 2  # seconds: grid points come quickly

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue():
    name = f"hsim-test-beat-{uuid.uuid4().hex[:8]}"
    yield name
    # and what the settings' own entries (the recovery probe) sent to the default queue
    redis.Redis.from_url(REDIS_URL).delete(name, "celery")


@pytest.fixture
def make_scheduler(tmp_path):
    made = []

    def make():
        scheduler = HsimScheduler(app=app, lazy=True)
        scheduler.send_log = send_log.SendLog(str(tmp_path / "sends.log"))
        scheduler.poll_seconds = 0  # look at the change row on every tick
        scheduler.setup_schedule()
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.send_log.flush()


def sends(tmp_path, name=None):
    path = tmp_path / "sends.log"
    rows = send_log.read(path) if path.exists() else []
    return [r for r in rows if name is None or r[3] == name]


def grid_task(name, queue, anchor=None, period=PERIOD):
    every = IntervalSchedule.objects.create(every=period, period=IntervalSchedule.SECONDS)
    anchor = anchor or datetime.fromtimestamp(int(time.time()) // period * period - 10 * period,
                                              tz=timezone.utc)
    return PeriodicTask.objects.create(name=name, task="hsim.tests.never_runs", interval=every,
                                       start_time=anchor, queue=queue, expire_seconds=60)


def wait_for_next_grid_point(anchor):
    since = (time.time() - anchor.timestamp()) % PERIOD
    time.sleep(PERIOD - since + 0.05)


def tick_until_quiet(scheduler, ticks=3):
    for _ in range(ticks):
        scheduler.tick()


def test_it_applies_a_start_a_stop_an_interval_change_and_a_delete_without_a_full_reload():
    # A few hundred simulators already scheduled: a change must not re-read them.
    for sim in range(300):
        schedule.enable(10_000 + sim, 15)
    scheduler = HsimScheduler(app=app, lazy=True)
    scheduler.poll_seconds = 0
    scheduler.setup_schedule()
    scheduler.tick()
    fetched_before = scheduler.feed.fetched

    schedule.enable(77, 1)  # start
    scheduler.tick()
    assert scheduler.schedule["simulator:77"].schedule.run_every == timedelta(minutes=1)
    assert json.loads(PeriodicTask.objects.get(name="simulator:77").args) == [77]

    schedule.enable(77, 5)  # an interval change (a restart with another interval)
    scheduler.tick()
    assert scheduler.schedule["simulator:77"].schedule.run_every == timedelta(minutes=5)

    schedule.disable(77)  # stop
    scheduler.tick()
    assert "simulator:77" not in scheduler.schedule

    schedule.enable(77, 1)
    scheduler.tick()
    assert "simulator:77" in scheduler.schedule
    schedule.remove(77)  # delete
    scheduler.tick()
    assert "simulator:77" not in scheduler.schedule

    assert scheduler.full_loads == 1
    assert "simulator:10000" in scheduler.schedule and len(scheduler.schedule) >= 300
    # Only the rows that changed were read whole (one per change; the 300 others never).
    assert scheduler.feed.fetched - fetched_before == 4


def test_a_stop_committed_with_an_older_stamp_than_one_already_seen_is_applied(queue):
    """A transaction that saved before another but committed after it: its date_changed is
    older than the newest one beat has seen; the overlap window still catches it."""
    scheduler = HsimScheduler(app=app, lazy=True)
    scheduler.poll_seconds = 0
    scheduler.setup_schedule()
    schedule.enable(5, 1)
    schedule.enable(6, 1)
    scheduler.tick()
    assert {"simulator:5", "simulator:6"} <= set(scheduler.schedule)
    older = PeriodicTask.objects.get(name="simulator:6").date_changed - timedelta(seconds=20)
    PeriodicTask.objects.filter(name="simulator:5").update(enabled=False, date_changed=older)
    PeriodicTasks.update_changed()

    scheduler.tick()

    assert "simulator:5" not in scheduler.schedule and "simulator:6" in scheduler.schedule
    assert scheduler.full_loads == 1


def test_an_edit_that_bypassed_the_change_row_is_found_by_the_reconcile_scan(queue):
    scheduler = HsimScheduler(app=app, lazy=True)
    scheduler.poll_seconds = 0
    scheduler.setup_schedule()
    schedule.enable(8, 1)
    scheduler.tick()
    with connection.cursor() as cursor:  # raw SQL: no signal, the change row stays put
        cursor.execute(f"DELETE FROM {PeriodicTask._meta.db_table} WHERE name = 'simulator:8'")
    scheduler.reconcile_seconds = 0

    scheduler.tick()

    assert "simulator:8" not in scheduler.schedule
    assert scheduler.full_loads == 1


def test_a_grid_point_is_sent_once_even_when_the_row_is_read_again_with_an_older_run(
        queue, make_scheduler, tmp_path):
    task = grid_task("grid-once", queue)
    scheduler = make_scheduler()
    tick_until_quiet(scheduler)
    scheduler.send_log.flush()
    first = sends(tmp_path, "grid-once")
    assert len(first) == 1

    # Someone saves the row from a form read before beat's send: its last_run_at is stale.
    row = PeriodicTask.objects.get(pk=task.pk)
    row.last_run_at = None
    row.description = "edited in the admin"
    row.save()
    tick_until_quiet(scheduler)
    scheduler.send_log.flush()
    assert scheduler.schedule["grid-once"].model.description == "edited in the admin"
    again = sends(tmp_path, "grid-once")
    points = [point for _, point, _, _ in again]
    assert len(points) == len(set(points))  # never the same grid point twice

    wait_for_next_grid_point(task.start_time)
    tick_until_quiet(scheduler)
    scheduler.send_log.flush()
    later = sends(tmp_path, "grid-once")
    points = [point for _, point, _, _ in later]
    assert len(later) > len(first) and len(points) == len(set(points))
    assert all(((p - task.start_time.timestamp()) % PERIOD) == 0 for p in points)
    assert redis.Redis.from_url(REDIS_URL).llen(queue) == len(later)


def test_run_state_is_written_in_one_statement_per_batch_before_the_sends(queue, make_scheduler):
    tasks = [grid_task(f"batch-{n}", queue) for n in range(40)]
    stamps = dict(PeriodicTask.objects.values_list("id", "date_changed"))
    scheduler = make_scheduler()

    scheduler.tick()

    assert scheduler.sends == 40
    assert scheduler.run_state.statements == 1
    rows = {t.id: t for t in PeriodicTask.objects.filter(id__in=[t.id for t in tasks])}
    assert all(r.last_run_at is not None and r.total_run_count == 1 for r in rows.values())
    # beat's bookkeeping is not a schedule change
    assert all(rows[i].date_changed == stamps[i] for i in rows)


def test_after_a_restart_a_sent_grid_point_is_not_sent_again_and_a_missed_one_is_sent_once(
        queue, make_scheduler):
    # A 60 s grid whose current step began a second ago: the restarts below stay inside it.
    period = 60
    anchor = datetime.fromtimestamp(time.time() - 10 * period - 1, tz=timezone.utc)
    task = grid_task("grid-restart", queue, anchor=anchor, period=period)
    first = make_scheduler()
    first.tick()
    assert first.sends == 1

    # A crash: the first beat is gone without a word; a new one reads what was written.
    second = make_scheduler()
    second.tick()
    second.tick()
    assert second.sends == 0

    # Beat was down for several grid points: the newest is due once, not once per point.
    PeriodicTask.objects.filter(pk=task.pk).update(
        last_run_at=datetime.now(timezone.utc) - timedelta(seconds=5 * period))
    third = make_scheduler()
    third.tick()
    third.tick()
    assert third.sends == 1
    assert (first.full_loads, second.full_loads, third.full_loads) == (1, 1, 1)


def test_phases_are_spread_after_the_boundary_only_when_many_simulators_are_scheduled():
    assert schedule.spread_seconds(15, enabled=150) == 0  # a small deployment: boundary + 5 s
    assert schedule.spread_seconds(15, enabled=20_000) == 100
    assert schedule.spread_seconds(1, enabled=20_000) == 50  # never into the next interval
    offsets = Counter(schedule.phase_offset(i, 100) for i in range(1, 20_001))
    assert set(offsets) == set(range(100))
    assert max(offsets.values()) <= 2 * 20_000 / 100  # about even: no second takes a burst


def test_enable_phases_a_simulator_by_its_share_of_the_spread(settings):
    settings.HSIM_BEAT_SENDS_PER_SECOND = 1
    for sim in range(30):
        schedule.enable(500 + sim, 15)
    task = schedule.enable(999, 15)
    seconds = task.start_time.minute % 15 * 60 + task.start_time.second
    assert seconds == 5 + schedule.phase_offset(999, 30)
