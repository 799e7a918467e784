"""`./hsim run` after an upgrade whose engine gives the demo building more points than the
version that provisioned it: the demo simulator gets entities for the new points and runs
(its ticks found no entity for them and stopped it in error)."""

import pytest

from simulator_app.models import SimulatorEntity, SimulatorState
from simulator_app.models.state import RUNNING
from simulator_app.services import runtime
from simulator_app.services.demo import ensure_demo_org, ensure_demo_simulator


@pytest.fixture
def demo(clean_core):
    org = ensure_demo_org()
    return org, ensure_demo_simulator(org, history_days=0)


def test_it_provisions_points_a_newer_engine_added_and_runs_the_demo_again(demo):
    org, simulator = demo
    keys = runtime.spec_and_points(simulator.config)[1]
    # What an older version left: no entities for some of today's points.
    newer = list(keys[-40:])
    SimulatorEntity.objects.filter(simulator=simulator, key__in=newer).delete()
    with pytest.raises(LookupError, match="has no entity for 40 point"):
        runtime.entity_ids_for(simulator, keys)
    runtime.mark_error(simulator.poller_id, "LookupError: simulator has no entity for 40 points")

    again = ensure_demo_simulator(org, history_days=0)

    assert again.poller_id == simulator.poller_id
    ids = runtime.entity_ids_for(again, keys)
    assert len(set(ids.tolist())) == len(keys)
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).status == RUNNING


def test_it_keeps_every_entity_of_points_already_provisioned(demo):
    org, simulator = demo
    keys = runtime.spec_and_points(simulator.config)[1]
    before = runtime.entity_ids_for(simulator, keys).tolist()
    ensure_demo_simulator(org, history_days=0)
    assert runtime.entity_ids_for(simulator, keys).tolist() == before
