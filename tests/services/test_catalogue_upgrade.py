"""After an hsim upgrade whose engine adds points, a simulator provisioned by the older version
provisions the new points at its next tick and keeps running (it used to stop in error)."""

from simulator_app.models import ActivityLog, SimulatorEntity, SimulatorState
from simulator_app.models.state import RUNNING
from simulator_app.services import runtime
from simulator_app.services.tick import run_tick

from .conftest import T0


def test_a_tick_provisions_points_the_catalogue_gained_and_generates(running):
    keys = runtime.spec_and_points(running.config)[1]
    kept = dict(SimulatorEntity.objects.filter(simulator=running, key__in=keys[:-30])
                .values_list("key", "entity_id"))
    SimulatorEntity.objects.filter(simulator=running, key__in=keys[-30:]).delete()  # "older"

    result = run_tick(running.poller_id, now=T0)

    assert result.outcome == "generated" and result.intervals > 0, result.as_dict()
    assert SimulatorState.objects.get(simulator_id=running.poller_id).status == RUNNING
    ids = runtime.entity_ids_for(running, keys)
    assert len(set(ids.tolist())) == len(keys)
    assert dict(SimulatorEntity.objects.filter(simulator=running, key__in=keys[:-30])
                .values_list("key", "entity_id")) == kept  # existing points keep their ids
    event = ActivityLog.objects.get(simulator_id=running.poller_id, event_type="config_change")
    assert event.details["reason"] == "catalogue_upgrade" and event.details["added"] == 30
