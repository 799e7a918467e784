"""Everything one simulator run needs, loaded once: spec, state, entity map, writer."""

from dataclasses import asdict, dataclass, replace
from datetime import timezone as dt_timezone
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from .. import engine
from ..engine import model as engine_model
from ..engine.model import compile_spec
from ..models import Org, Simulator, SimulatorEntity, SimulatorState
from ..models.pollers import SIMULATOR
from ..models.state import ERROR
from ..storage import PrimaryDatabaseError, ValueRows
from . import provisioning, schedule
from .activity import log_event
from .simulator_config import spec_of_config
from .value_databases import shared_writer


def is_primary_failure(exc):
    """The primary value database (or the project database holding it) failed: an outage
    that auto-resume may recover from, unlike a bad configuration."""
    return isinstance(exc, (PrimaryDatabaseError, OperationalError, InterfaceError))


@dataclass
class WriteSummary:
    rows: int
    databases: list


@dataclass
class SimulatorContext:
    simulator: Simulator
    org: Org
    spec: object
    state: SimulatorState
    entity_ids: np.ndarray
    database_now: object = None  # the database's clock, read with the simulator (PostgreSQL)

    @property
    def interval_seconds(self):
        return self.spec.interval_minutes * 60

    def engine_state(self):
        if self.state.engine_state:
            return engine.State.from_dict(self.state.engine_state)
        return engine.initial_state(self.spec)

    def generate(self, start, end, engine_state=None):
        return engine.generate(self.spec, engine_state or self.engine_state(), start, end)

    def write(self, batches, bulk=False):
        """Write one batch, or an iterable of batches as one streamed transaction."""
        if isinstance(batches, engine.Batch):
            rows = ValueRows.from_batch(batches, self.entity_ids)
        else:
            rows = (ValueRows.from_batch(b, self.entity_ids) for b in batches)
        # The process's long-lived writer: no connection or DDL check per tick.
        report = shared_writer().write(self.org.key, rows, bulk=bulk)
        return WriteSummary(rows=report.rows, databases=report_databases(report))

    def save_progress(self, new_state, first_ts, last_ts):
        self.state.save(update_fields=self.apply_progress(new_state, first_ts, last_ts))

    def apply_progress(self, new_state, first_ts, last_ts):
        """Set the state's new progress (not saved); the fields to save."""
        data = new_state.to_dict()
        if self.state.last_run_timestamp is None:
            # The first interval ever generated is the origin replays start from.
            self.state.config = {**(self.state.config or {}), "origin": first_ts.isoformat()}
        self.state.engine_state = data
        self.state.totalizers = data.get("totalizers")
        self.state.last_run_timestamp = last_ts
        self.state.error_message = None
        return ["engine_state", "totalizers", "last_run_timestamp", "error_message", "config",
                "updated_at"]

    def mark_error(self, message):
        self.state.status = ERROR
        self.state.error_message = message
        mark_error(self.simulator.poller_id, message)


def mark_error(simulator_id, message):
    """Put a simulator in `error` and stop its schedule: it writes nothing until started."""
    SimulatorState.objects.filter(simulator_id=simulator_id).update(
        status=ERROR, error_message=message, updated_at=timezone.now()
    )
    schedule.disable(simulator_id)


def slice_batch(batch, start, end):
    """The part of a batch with start <= ts < end."""
    keep = (batch.ts >= start) & (batch.ts < end)
    return replace(
        batch,
        ts=batch.ts[keep],
        values=batch.values[keep],
        status=batch.status[keep],
        present=batch.present[keep],
    )


def report_databases(report):
    return [asdict(outcome) for outcome in report.outcomes]


def entity_ids_for(simulator, points):
    # Hundreds of rows every tick: plain SQL composed once per process, fetched as tuples (the
    # ORM's query building and per-row work were most of the cost; two plain columns need no
    # conversion).
    with connection.cursor() as cursor:
        cursor.execute(_entity_map_sql(connection.vendor), [simulator.poller_id, True])
        mapping = dict(cursor.fetchall())
    missing = [key for key in points if key not in mapping]
    if missing:
        raise LookupError(
            f"simulator {simulator.poller_id} has no entity for {len(missing)} point(s), e.g."
            f" {missing[0]}: provision it again"
        )
    return np.fromiter(map(mapping.__getitem__, points), dtype=np.int64, count=len(points))


@lru_cache(maxsize=4)
def _entity_map_sql(vendor):
    """SimulatorEntity.objects.filter(simulator=..., is_point=True, disabled_at__isnull=True)
    .values_list("key", "entity_id"), written once."""
    meta, qn = SimulatorEntity._meta, connection.ops.quote_name
    column = lambda name: qn(meta.get_field(name).column)  # noqa: E731
    return (f"SELECT {column('key')}, {column('entity')} FROM {qn(meta.db_table)}"
            f" WHERE {column('simulator')} = %s AND {column('is_point')} = %s"
            f" AND {column('disabled_at')} IS NULL")


def _spec_and_points(config_text):
    """Parsing the spec and building the catalogue cost more than generating one interval:
    a worker does it once per distinct configuration, not on every tick."""
    spec = spec_of_config(config_text)
    # The engine's compiled model (its catalogue): the keys a batch's points carry, and the
    # engine then finds this spec's model by identity instead of building it a second time.
    return spec, compile_spec(spec).keys


def model_cache_size():
    """HSIM_MODEL_CACHE_SIZE: the compiled models (and parsed configurations) one worker
    process keeps, one per building it serves (README "Settings")."""
    return max(1, int(getattr(settings, "HSIM_MODEL_CACHE_SIZE", engine_model.DEFAULT_CACHE_SIZE)))


# As many parsed configurations as compiled models: a configuration whose model was evicted
# would compile again anyway, and one held longer would keep its spec alive for nothing.
engine_model.set_cache_size(model_cache_size())
spec_and_points = lru_cache(maxsize=model_cache_size())(_spec_and_points)


class OrgGone(LookupError):
    """The simulator's org is disabled or no longer exists: it must not generate
    (services/org_deletion.py stops it)."""


def load(simulator_id):
    # The org and state come in the same query (one round trip fewer per tick).
    simulator, database_now = _select_simulator(simulator_id)
    if simulator is None:  # the join needs the org: a poller without one lands here
        if Simulator.objects.filter(poller_id=simulator_id).exists():
            raise OrgGone(f"simulator {simulator_id}: its org no longer exists")
        raise Simulator.DoesNotExist(f"simulator {simulator_id} does not exist")
    if simulator.org.disabled_ts is not None:
        raise OrgGone(f"simulator {simulator_id}: its org '{simulator.org.key}' is disabled")
    spec, points = spec_and_points(simulator.config)
    try:
        state = simulator.state
    except SimulatorState.DoesNotExist:
        state, _ = SimulatorState.objects.get_or_create(simulator_id=simulator_id)
    return SimulatorContext(
        simulator=simulator,
        org=simulator.org,
        spec=spec,
        state=state,
        entity_ids=entity_ids_or_provision(simulator, spec, points),
        database_now=database_now,
    )


def _select_simulator(simulator_id):
    """`Simulator.objects.select_related("org", "state").filter(poller_id=...).first()`, the
    same instances with the same related caches, from SQL composed once per process: building
    and compiling that query cost the ORM more CPU than the rest of loading a tick.
    Returns (simulator or None, the database's clock or None): on PostgreSQL the same query
    reads the server's clock, which the tick's clock guard needs (one round trip fewer)."""
    query = _simulator_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, [SIMULATOR, simulator_id])
        row = cursor.fetchone()
    if row is None:
        return None, None
    database_now = row[-1].astimezone(dt_timezone.utc) if query.clock else None
    objects = []
    for model, begin, end, pk in query.parts:
        # A LEFT JOIN without a match (no state row) yields None, as select_related does.
        if row[begin + pk] is None:
            objects.append(None)
            continue
        values = list(row[begin:end])
        for i, field, converters in _converters(model, connection.vendor):
            for converter in converters:
                values[i] = converter(values[i], field.cached_col, connection)
        objects.append(model.from_db(connection.alias, query.attnames[model], values))
    simulator, org, state = objects
    Simulator._meta.get_field("org").set_cached_value(simulator, org)
    state_field = SimulatorState._meta.get_field("simulator")
    state_field.remote_field.set_cached_value(simulator, state)
    if state is not None:
        state_field.set_cached_value(state, simulator)
    return simulator, database_now


@lru_cache(maxsize=16)
def _converters(model, vendor):
    """[(position, field, converters)] of the model's columns that the ORM's compiler converts
    (the backend's converters, then the field's), as it does them."""
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        converters = (connection.ops.get_db_converters(field.cached_col)
                      + field.get_db_converters(connection))
        if converters:
            found.append((i, field, tuple(converters)))
    return tuple(found)


@dataclass(frozen=True)
class _SimulatorQuery:
    sql: str
    parts: tuple  # (model, first and end column in the row, position of its pk)
    attnames: dict
    clock: bool  # the row ends with the database's clock_timestamp()


@lru_cache(maxsize=4)
def _simulator_query(vendor):
    qn = connection.ops.quote_name
    parts, columns, attnames = [], [], {}
    for model, alias in ((Simulator, "s"), (Org, "o"), (SimulatorState, "t")):
        fields = tuple(model._meta.concrete_fields)
        parts.append((model, len(columns), len(columns) + len(fields),
                      fields.index(model._meta.pk)))
        columns += [f"{alias}.{qn(f.column)}" for f in fields]
        attnames[model] = [f.attname for f in fields]
    clock = vendor == "postgresql"
    if clock:
        columns.append("clock_timestamp()")
    sim, state = Simulator._meta, SimulatorState._meta
    org_fk, state_fk = sim.get_field("org"), state.get_field("simulator")
    sql = (
        f"SELECT {', '.join(columns)} FROM {qn(sim.db_table)} s"
        f" INNER JOIN {qn(Org._meta.db_table)} o"
        f" ON o.{qn(org_fk.target_field.column)} = s.{qn(org_fk.column)}"
        f" LEFT OUTER JOIN {qn(state.db_table)} t"
        f" ON t.{qn(state_fk.column)} = s.{qn(state_fk.target_field.column)}"
        f" WHERE s.{qn(sim.get_field('poller_type').column)} = %s"
        f" AND s.{qn(sim.get_field('poller_id').column)} = %s"
        f" LIMIT 1"
    )
    return _SimulatorQuery(sql=sql, parts=tuple(parts), attnames=attnames, clock=clock)


def entity_ids_or_provision(simulator, spec, points):
    """The points' entity ids; points the catalogue gained since the simulator was provisioned
    (an hsim upgrade whose engine adds points) are provisioned first, once, and logged:
    otherwise every simulator made by an older version would stop in error after an upgrade."""
    try:
        return entity_ids_for(simulator, points)
    except LookupError as exc:
        result = provisioning.provision(simulator, spec)
        log_event(simulator.poller_id, "config_change",
                  f"Provisioned {result['added']} point(s) or entities the catalogue gained "
                  f"since this simulator was provisioned ({exc})",
                  reason="catalogue_upgrade", **result)
    return entity_ids_for(simulator, points)
