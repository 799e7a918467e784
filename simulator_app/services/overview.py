"""What the browser pages show about a user's simulators before any chart is drawn.

The landing page lists every simulator the user can see (org membership decides, as in the
API) with its run status and newest interval; the full health check (broker, value
databases) is slow-ish per simulator, so the page asks `/simulator/health/{id}` for it from
the browser instead of making the list wait for every check.
"""

from dataclasses import dataclass
from datetime import datetime

from ..models import Simulator, SimulatorState
from ..models.state import STOPPED
from . import access
from .simulator_config import spec_of
from .errors import ServiceError


@dataclass
class SimulatorSummary:
    poller_id: int
    name: str
    org_key: str
    org_name: str
    status: str
    last_run_timestamp: datetime | None
    interval_minutes: int | None
    error_message: str


def interval_of(simulator):
    try:
        return spec_of(simulator).interval_minutes
    except ServiceError:  # an invalid stored config still lists; the dashboard says why
        return simulator.config_dict.get("interval_minutes")


def summarize(simulator, state):
    return SimulatorSummary(
        poller_id=simulator.poller_id,
        name=simulator.poller_name,
        org_key=simulator.org.key,
        org_name=simulator.org.name,
        status=state.status if state else STOPPED,
        last_run_timestamp=state.last_run_timestamp if state else None,
        interval_minutes=interval_of(simulator),
        error_message=(state.error_message or "") if state else "",
    )


def visible_simulators(user):
    """The simulators the user can see, by org then name (a queryset: the page paginates)."""
    return access.visible_pollers(user, model=Simulator).order_by(
        "org__key", "poller_name", "poller_id")


def summaries(simulators):
    """[SimulatorSummary] of these simulators, with their states in one query."""
    simulators = list(simulators)
    states = {
        s.simulator_id: s
        for s in SimulatorState.objects.filter(
            simulator_id__in=[sim.poller_id for sim in simulators])
    }
    return [summarize(sim, states.get(sim.poller_id)) for sim in simulators]


def simulator_summary(user, poller_id):
    """One visible simulator's summary; access.NotVisible for others' (a 404)."""
    simulator = access.get_simulator(user, poller_id)
    state = SimulatorState.objects.filter(simulator_id=simulator.poller_id).first()
    return simulator, summarize(simulator, state)
