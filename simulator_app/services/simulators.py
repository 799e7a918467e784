"""Creating, reconfiguring and deleting simulators."""

from django.db import transaction

from ..models import Simulator, SimulatorState
from ..models.pollers import SIMULATOR
from ..models.state import STOPPED
from . import config_epochs, provisioning, schedule
from .activity import log_event
from .errors import BusyError, ServiceError
from .intervals import from_epoch
from .locks import simulator_lock
from .pollers import create_poller
from .simulator_config import config_text, parse_building, spec_of


def validate_interval(interval_minutes):
    if interval_minutes is None:
        return None
    if isinstance(interval_minutes, bool) or not isinstance(interval_minutes, int):
        raise ServiceError({"interval_minutes": "must be a whole number of minutes"})
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ServiceError(
            {"interval_minutes": "must be a positive number of minutes that divides a day (1440)"}
        )
    return interval_minutes


def create_simulator(org, name, building=None, interval_minutes=None):
    """Validate the spec, register the poller, provision its entities. Nothing on bad input."""
    if not name or not str(name).strip():
        raise ServiceError({"poller_name": "must not be empty"})
    spec = parse_building(building, validate_interval(interval_minutes))
    with transaction.atomic():
        simulator = create_poller(
            org, SIMULATOR, name, config_text(spec, org), status="active", model=Simulator
        )
        SimulatorState.objects.create(
            simulator_id=simulator.poller_id, status=STOPPED, config={}
        )
        provisioning.provision(simulator, spec)
    return simulator


def find_or_create_simulator(org, name, building=None, interval_minutes=None):
    existing = Simulator.objects.filter(org=org, poller_name=name).order_by("poller_id").first()
    if existing is not None:
        return existing, False
    return create_simulator(org, name, building, interval_minutes), True


def update_config(simulator, building=None, interval_minutes=None, wait_seconds=30,
                  before_change=None, note=None, details=None):
    """Change the building spec and/or interval: re-provision, reschedule, log `config_change`.

    Holds the simulator's lock, so a tick in flight finishes with the old configuration
    before the new one applies, and continues the simulator on the new configuration from
    where it stopped (see `rebase`). `before_change(simulator)` runs under the lock, inside
    the transaction (a check that may raise, or a row to write with the change); `note` and
    `details` go into the logged event. The spec's history is kept (services.config_epochs).
    """
    current = spec_of(simulator)
    data = current.to_dict() if building is None else building
    interval = validate_interval(interval_minutes)
    if interval is None and "interval_minutes" not in data:
        interval = current.interval_minutes  # a new building keeps the simulator's interval
    spec = parse_building(data, interval)
    with simulator_lock(simulator.poller_id, wait_seconds=wait_seconds) as acquired:
        if not acquired:
            raise BusyError(f"simulator {simulator.poller_id} is busy generating; try again")
        with transaction.atomic():
            if before_change is not None:
                before_change(simulator)
            simulator.config = config_text(spec, simulator.org)
            simulator.save(update_fields=["config"])
            changes = provisioning.provision(simulator, spec)
            if spec.to_dict() != current.to_dict():
                config_epochs.record_change(simulator, current, rebase(simulator, spec))
            if schedule.is_enabled(simulator.poller_id):
                schedule.enable(simulator.poller_id, spec.interval_minutes)
            log_event(
                simulator.poller_id,
                "config_change",
                f"Configuration changed (every {spec.interval_minutes} min;"
                f" {changes['added']} entities added, {changes['disabled']} disabled)"
                + (f": {note}" if note else ""),
                interval_minutes=spec.interval_minutes,
                previous_interval_minutes=current.interval_minutes,
                **changes,
                **(details or {}),
            )
    return simulator


def reprovision(simulator, wait_seconds=30):
    """Write the simulator's catalogue again (services.provisioning, idempotent): tags an hsim
    upgrade changed reach its existing points, points it added get entities. Under the
    simulator's lock (BusyError if a run holds it past `wait_seconds`); logs `config_change`
    when anything changed. The provisioning counts."""
    with simulator_lock(simulator.poller_id, wait_seconds=wait_seconds) as acquired:
        if not acquired:
            raise BusyError(f"simulator {simulator.poller_id} is busy generating; try again")
        with transaction.atomic():
            changes = provisioning.provision(simulator, spec_of(simulator))
            if any(changes[k] for k in ("added", "disabled", "tags_added", "tags_disabled")):
                log_event(
                    simulator.poller_id, "config_change",
                    f"Re-provisioned: {changes['added']} entities added, {changes['disabled']}"
                    f" disabled, {changes['tags_added']} tags written,"
                    f" {changes['tags_disabled']} disabled",
                    reason="reprovision", **changes)
    return changes


def rebase(simulator, spec):
    """Continue a simulator that has history on a new configuration.

    Generation resumes at the first boundary of the (possibly new) interval at or after
    where it stopped, with the totals and thermal state it had. That point becomes the new
    origin, with its state, so replays never regenerate history with a building that did
    not produce it: backfills before it are refused.
    """
    state = SimulatorState.objects.select_for_update().get(simulator_id=simulator.poller_id)
    if not state.engine_state:
        return None
    step = spec.interval_minutes * 60
    engine_state = dict(state.engine_state)
    resume = -(-engine_state["last_end"] // step) * step
    engine_state["last_end"] = resume
    state.engine_state = engine_state
    state.last_run_timestamp = from_epoch(resume - step)
    state.config = {
        **(state.config or {}),
        "origin": from_epoch(resume).isoformat(),
        "origin_state": engine_state,
    }
    state.save(update_fields=["engine_state", "last_run_timestamp", "config", "updated_at"])
    return from_epoch(resume)  # where the new configuration takes over


def delete_simulator(simulator):
    """Remove the schedule and mark the poller inactive; entities and data stay."""
    with transaction.atomic():
        schedule.remove(simulator.poller_id)
        SimulatorState.objects.filter(simulator_id=simulator.poller_id).update(status=STOPPED)
        simulator.status = "inactive"
        simulator.save(update_fields=["status"])
