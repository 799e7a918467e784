from datetime import datetime, timezone

import numpy as np
import pytest

from simulator_app import engine
from simulator_app.services import lifecycle
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator
from simulator_app.services.value_databases import multi_writer

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)  # a Monday, 07:00 in New York


@pytest.fixture
def org(db, unique_key):
    return create_org(unique_key("sv"))


@pytest.fixture
def simulator(org):
    return create_simulator(org, "Tower", None, 15)


@pytest.fixture
def running(simulator):
    lifecycle.start(simulator, run_first_tick=False)
    return simulator


def stored_rows(simulator, start=None, end=None):
    """Every stored row of the simulator's points as a sorted list of tuples."""
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(simulator.org.key, start=start, end=end)
    finally:
        writer.close()
    return rows_as_tuples(rows)


def rows_as_tuples(rows):
    names = rows.status_names
    out = []
    for i in range(len(rows)):
        vn = rows.value_n[i]
        out.append((
            int(rows.entity_id[i]),
            int(rows.ts[i]),
            None if np.isnan(vn) else round(float(vn), 6),
            None if rows.value_b[i] < 0 else bool(rows.value_b[i]),
            None if rows.status[i] < 0 else names[rows.status[i]],
        ))
    return sorted(out)


def expected_rows(simulator, start, end):
    """What the engine alone produces for the simulator's spec over [start, end) from its origin."""
    from simulator_app.services import runtime

    context = runtime.load(simulator.poller_id)
    batch, _ = engine.generate(context.spec, engine.initial_state(context.spec), start, end)
    from simulator_app.storage import ValueRows

    return rows_as_tuples(ValueRows.from_batch(batch, context.entity_ids))
