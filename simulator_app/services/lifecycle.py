"""Start, stop, reset: the simulator's status machine (stopped -> running -> stopped|error)."""

from django.db import transaction

from ..models import Org, SimulatorEntity, SimulatorState
from ..models.state import RUNNING, STOPPED
from . import config_epochs, recovery, schedule
from .activity import log_event
from .errors import BusyError, ServiceError, TransitionError
from .locks import simulator_lock
from .queue import enqueue_tick
from .simulator_config import spec_of
from .value_databases import multi_writer


def state_of(simulator):
    state, _ = SimulatorState.objects.get_or_create(
        simulator_id=simulator.poller_id, defaults={"status": STOPPED}
    )
    return state


class OrgDisabledError(ServiceError):
    """The simulator's org is disabled (deleted softly): its simulators may not start (409)."""

    status = 409


def refuse_disabled_org(org_id, what="its simulators"):
    """Raise OrgDisabledError unless the org exists and is enabled (read fresh: a cached
    `simulator.org` may predate the deletion). A tick would only stop the simulator again."""
    org = Org.objects.filter(pk=org_id).values_list("key", "disabled_ts").first()
    if org is None:
        raise OrgDisabledError({"detail": f"org {org_id} no longer exists: {what} cannot start"})
    key, disabled_ts = org
    if disabled_ts is not None:
        raise OrgDisabledError({"detail": (
            f"org {key!r} is disabled (since {disabled_ts:%Y-%m-%d %H:%M} UTC): {what} cannot"
            " start")})


def start(simulator, run_first_tick=True):
    """Enable the schedule and queue a first tick at once (beat's first fire is a boundary
    away). After an error, the first tick fills the gap the error left. A simulator of a
    disabled org is refused (OrgDisabledError, 409)."""
    refuse_disabled_org(simulator.org_id, f"simulator {simulator.poller_id}")
    with transaction.atomic():
        state = SimulatorState.objects.select_for_update().get(pk=state_of(simulator).pk)
        if state.status == RUNNING:
            raise TransitionError(f"simulator {simulator.poller_id} is already running")
        resumed_from = state.status
        recovery.forget(simulator.poller_id)  # a person decided: no auto-resume pending
        state.status = RUNNING
        state.error_message = None
        state.save(update_fields=["status", "error_message", "updated_at"])
        minutes = spec_of(simulator).interval_minutes
        schedule.enable(simulator.poller_id, minutes)
        log_event(
            simulator.poller_id,
            "start",
            f"Started (every {minutes} min)",
            previous_status=resumed_from,
            interval_minutes=minutes,
        )
        if run_first_tick:
            enqueue_tick(simulator.poller_id)
    return state


def stop(simulator, reason="requested"):
    with transaction.atomic():
        state = SimulatorState.objects.select_for_update().get(pk=state_of(simulator).pk)
        if state.status == STOPPED:
            raise TransitionError(f"simulator {simulator.poller_id} is already stopped")
        state.status = STOPPED
        state.save(update_fields=["status", "updated_at"])
        schedule.disable(simulator.poller_id)
        recovery.forget(simulator.poller_id)
        log_event(simulator.poller_id, "stop", f"Stopped ({reason})", reason=reason)
    return state


def reset(simulator, clear_data=False, wait_seconds=30):
    """Stop, forget all progress (and, if asked, the generated rows in every database).

    Takes the simulator's lock so a tick in flight finishes first instead of racing the reset.
    """
    with simulator_lock(simulator.poller_id, wait_seconds=wait_seconds) as acquired:
        if not acquired:
            raise BusyError(f"simulator {simulator.poller_id} is busy generating; try again")
        deleted = clear_generated_rows(simulator) if clear_data else 0
        with transaction.atomic():
            state = SimulatorState.objects.select_for_update().get(pk=state_of(simulator).pk)
            previous = state.status
            state.status = STOPPED
            state.last_run_timestamp = None
            state.totalizers = None
            state.engine_state = None
            state.error_message = None
            state.save()
            schedule.disable(simulator.poller_id)
            recovery.forget(simulator.poller_id)
            if clear_data:  # no row of an older spec is left: labels follow the current one
                config_epochs.forget(simulator)
            log_event(
                simulator.poller_id,
                "reset",
                "Reset: state cleared" + (f", {deleted} rows deleted" if clear_data else ""),
                clear_data=clear_data,
                rows_deleted=deleted,
                previous_status=previous,
            )
    return state


def clear_generated_rows(simulator):
    entity_ids = list(
        SimulatorEntity.objects.filter(simulator=simulator, is_point=True).values_list(
            "entity_id", flat=True
        )
    )
    writer = multi_writer()
    try:
        return writer.delete_entities(simulator.org.key, entity_ids).rows
    finally:
        writer.close()

