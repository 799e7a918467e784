"""A tick's bookkeeping in one round trip: the state's new progress and its activity event.

On PostgreSQL one statement (`WITH s AS (UPDATE state ...) INSERT INTO activity ...`) does
both, atomically and without BEGIN/COMMIT round trips; elsewhere the ORM does it in one
transaction. Parameters are adapted by the model fields themselves (JSON, datetimes), so both
paths store the same values.
"""

from django.db import connection, transaction
from django.utils import timezone

from ..models import ActivityLog, SimulatorState
from .activity import log_event


def save_state_and_log(state, fields, simulator_id, event_type, message, **details):
    """Save `fields` of `state` (updated_at included) and log one event; both or neither."""
    now = timezone.now()
    state.updated_at = now
    fields = [f for f in fields if f != "updated_at"] + ["updated_at"]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Inside a caller's transaction the ORM path costs no extra commit anyway.
        with transaction.atomic():
            state.save(update_fields=fields)
            log_event(simulator_id, event_type, message, **details)
        return
    state_meta, log_meta = SimulatorState._meta, ActivityLog._meta
    sets, params = [], []
    for name in fields:
        field = state_meta.get_field(name)
        sets.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(getattr(state, field.attname), connection))
    params.append(state.pk)
    values = {"simulator": simulator_id, "timestamp": now, "event_type": event_type,
              "message": message, "details": details or None, "created_at": now}
    columns, placeholders = [], []
    for name, value in values.items():
        field = log_meta.get_field(name)
        columns.append(connection.ops.quote_name(field.column))
        placeholders.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH s AS (UPDATE {connection.ops.quote_name(state_meta.db_table)} SET"
            f" {', '.join(sets)} WHERE {connection.ops.quote_name(state_meta.pk.column)} = %s"
            f" RETURNING 1) INSERT INTO {connection.ops.quote_name(log_meta.db_table)}"
            f" ({', '.join(columns)}) SELECT {', '.join(placeholders)} FROM s",
            params,
        )
        if cursor.rowcount != 1:
            raise SimulatorState.DoesNotExist(f"simulator {simulator_id}: its state is gone")
