"""A totalizer never goes back to zero (or down at all) on a configuration change: the
interval or the building changes, the meters keep counting from where they were."""

from datetime import timedelta

import numpy as np
import pytest

from simulator_app.models import SimulatorEntity, SimulatorState
from simulator_app.services import lifecycle
from simulator_app.services.simulators import create_simulator, update_config
from simulator_app.services.tick import run_tick
from simulator_app.services.value_databases import multi_writer

from .conftest import T0

SMALL = {"site": {"name": "Annex", "floors": 1},
         "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                       "chillers": {"count": 1}, "boilers": {"count": 1}}}
H = timedelta(hours=1)


def readings(simulator, keys):
    """{key: [(ts, value_n), ...] in time order} of the stored rows of those points."""
    ids = dict(SimulatorEntity.objects.filter(simulator=simulator, key__in=keys)
               .values_list("entity_id", "key"))
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(simulator.org.key)
    finally:
        writer.close()
    out = {k: [] for k in keys}
    for eid, ts, vn in zip(rows.entity_id.tolist(), rows.ts.tolist(), rows.value_n.tolist()):
        if eid in ids and not np.isnan(vn):
            out[ids[eid]].append((ts, vn))
    return {k: sorted(v) for k, v in out.items()}


@pytest.fixture
def ticking(org):
    simulator = create_simulator(org, "Annex", SMALL, 15)
    lifecycle.start(simulator, run_first_tick=False)
    run_tick(simulator.poller_id, now=T0)
    run_tick(simulator.poller_id, now=T0 + 6 * H)
    return simulator


@pytest.mark.parametrize("change", [{"interval_minutes": 5}, {"interval_minutes": 60},
                                    {"building": {**SMALL, "site": {"name": "Annex",
                                                                    "floors": 2}}}])
def test_totalizer_readings_continue_across_a_configuration_change(ticking, change):
    before_state = SimulatorState.objects.get(simulator_id=ticking.poller_id).totalizers
    keys = sorted(before_state)
    assert keys and sum(v > 0 for v in before_state.values()) >= 3  # meters that counted
    before = readings(ticking, keys)
    change_at = max(ts for series in before.values() for ts, _ in series)

    update_config(ticking, change.get("building"), change.get("interval_minutes"))
    after_change = SimulatorState.objects.get(simulator_id=ticking.poller_id).totalizers
    assert all(after_change[k] >= before_state[k] for k in keys), "the change reset a total"
    run_tick(ticking.poller_id, now=T0 + 12 * H)

    series = readings(ticking, keys)
    state = SimulatorState.objects.get(simulator_id=ticking.poller_id).totalizers
    for key in keys:
        values = [v for _, v in series[key]]
        later = [v for ts, v in series[key] if ts > change_at]
        assert later, key
        assert later[0] >= before[key][-1][1], f"{key} went back after the change"
        assert all(b >= a for a, b in zip(values, values[1:])), f"{key} decreased"
        assert state[key] >= before_state[key]
