"""A tick loads its simulator, org, state and entity map from SQL composed once per process
(the ORM's query building cost more than the rest of the load): what it loads must be exactly
what the ORM's `select_related("org", "state")` and the entity map's queryset give."""

from datetime import timedelta

from django.db import connection

from simulator_app.models import Simulator, SimulatorEntity, SimulatorState
from simulator_app.services import clock, runtime
from simulator_app.services.tick import run_tick

from .conftest import T0

Q = timedelta(minutes=15)


def orm_load(simulator_id):
    return (Simulator.objects.select_related("org", "state")
            .filter(poller_id=simulator_id).first())


def columns(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_load_reads_what_the_orm_reads_for_simulator_org_and_state(running):
    assert run_tick(running.poller_id, now=T0 + Q).outcome == "generated"  # a real state
    context = runtime.load(running.poller_id)
    expected = orm_load(running.poller_id)
    for got, want in ((context.simulator, expected), (context.org, expected.org),
                      (context.state, expected.state)):
        assert type(got) is type(want)
        assert columns(got) == columns(want)
        assert not got._state.adding and got._state.db == want._state.db
    assert isinstance(context.state.engine_state, dict)  # JSON decoded, as the ORM does
    assert context.state.last_run_timestamp == T0 + Q
    assert context.simulator.state is context.state and context.state.simulator is context.simulator


def test_a_simulator_without_a_state_row_gets_one_like_before(running):
    SimulatorState.objects.filter(simulator_id=running.poller_id).delete()
    context = runtime.load(running.poller_id)
    assert context.state.pk is not None
    assert SimulatorState.objects.filter(simulator_id=running.poller_id).count() == 1


def test_the_entity_ids_follow_the_catalogue_and_skip_disabled_entities(running):
    context = runtime.load(running.poller_id)
    _, points = runtime.spec_and_points(running.config)
    mapping = dict(SimulatorEntity.objects.filter(
        simulator=running, is_point=True, disabled_at__isnull=True).values_list("key", "entity_id"))
    assert context.entity_ids.tolist() == [mapping[key] for key in points]


def test_the_load_reads_the_database_clock_the_guard_compares_with(running):
    before = clock.database_now()
    context = runtime.load(running.poller_id)
    after = clock.database_now()
    if connection.vendor == "postgresql":
        assert before <= context.database_now <= after
    else:
        assert context.database_now is None  # the guard reads it itself
