import ast
import json
from datetime import datetime, timezone

import numpy as np
import pytest
import redis

from simulator_app import engine, tasks
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


class Broker:
    """The backfill tasks waiting on the real broker (the default queue), oldest first."""

    def __init__(self, url):
        self.client = redis.Redis.from_url(url)
        self.client.delete("celery")

    def __call__(self):
        return [self.job_id(m) for m in reversed(self.client.lrange("celery", 0, -1))]

    @staticmethod
    def job_id(message):
        headers = json.loads(message)["headers"]
        assert headers["task"] == "simulator_app.tasks.backfill_simulator"
        return ast.literal_eval(headers["argsrepr"])[0]

    def work(self):
        """Run the queued tasks, and the tasks they queue, as workers would."""
        while (message := self.client.rpop("celery")) is not None:
            tasks.backfill_simulator.run(self.job_id(message))


@pytest.fixture
def broker_queue(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("these tests need CELERY_BROKER_URL on Redis (./hsim test sets it)")
    broker = Broker(settings.CELERY_BROKER_URL)
    yield broker
    broker.client.delete("celery")
