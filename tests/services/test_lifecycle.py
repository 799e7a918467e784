import json

import pytest
from django_celery_beat.models import PeriodicTask

from simulator_app.models import ActivityLog, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.errors import TransitionError
from simulator_app.services.simulators import delete_simulator, update_config
from simulator_app.services.tick import run_tick

from .conftest import T0, stored_rows


def task_of(simulator):
    return PeriodicTask.objects.filter(name=f"simulator:{simulator.poller_id}").first()


def status_of(simulator):
    return SimulatorState.objects.get(simulator_id=simulator.poller_id).status


def test_start_creates_an_enabled_periodic_task_and_queues_a_first_tick(
    simulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        lifecycle.start(simulator)
    task = task_of(simulator)
    assert task.enabled and task.task == "simulator_app.tasks.run_simulator"
    assert json.loads(task.args) == [simulator.poller_id]
    assert (task.interval.every, task.interval.period) == (15, "minutes")
    assert task.start_time.minute % 15 == 0 or task.start_time.second == 5
    assert len(callbacks) == 1  # the first tick, sent after commit
    assert status_of(simulator) == "running"


def test_stop_disables_the_task_and_start_enables_the_same_row(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    first = task_of(simulator)
    lifecycle.stop(simulator)
    assert not task_of(simulator).enabled and status_of(simulator) == "stopped"
    lifecycle.start(simulator, run_first_tick=False)
    assert task_of(simulator).pk == first.pk and task_of(simulator).enabled
    assert PeriodicTask.objects.filter(name=f"simulator:{simulator.poller_id}").count() == 1


def test_illegal_transitions_are_refused(simulator):
    with pytest.raises(TransitionError):
        lifecycle.stop(simulator)
    lifecycle.start(simulator, run_first_tick=False)
    with pytest.raises(TransitionError):
        lifecycle.start(simulator, run_first_tick=False)


def test_schedules_are_shared_not_duplicated(simulator, org):
    from simulator_app.services.simulators import create_simulator

    other = create_simulator(org, "Annex", None, 15)
    lifecycle.start(simulator, run_first_tick=False)
    lifecycle.start(other, run_first_tick=False)
    assert task_of(simulator).interval_id == task_of(other).interval_id


def test_reset_stops_and_clears_state_but_keeps_rows_unless_asked(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)
    lifecycle.reset(simulator)
    state = SimulatorState.objects.get(simulator_id=simulator.poller_id)
    assert (state.status, state.last_run_timestamp, state.engine_state) == ("stopped", None, None)
    assert not task_of(simulator).enabled
    assert stored_rows(simulator) != []
    lifecycle.reset(simulator, clear_data=True)
    assert stored_rows(simulator) == []
    assert ActivityLog.objects.filter(simulator_id=simulator.poller_id, event_type="reset").count() == 2


def test_an_interval_change_reschedules_a_running_simulator(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    update_config(simulator, interval_minutes=60)
    assert task_of(simulator).interval.every == 60
    log = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="config_change")
    assert log.details["interval_minutes"] == 60


def test_delete_removes_the_periodic_task(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    delete_simulator(simulator)
    assert task_of(simulator) is None
