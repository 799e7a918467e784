"""Fleets: create many buildings from a template and a seed; start, stop, delete them.

Building i of a fleet is `engine.fleet.variant(template, seed, i)`, so a fleet is
reproducible from (template, seed) and growing it keeps the buildings it has. Creation is
idempotent: asking again for the same fleet creates only the members it lacks, in batches
of one transaction each (a crash loses at most the batch in flight, and the next call
finishes the job).
"""

import time

from django.conf import settings
from django.db import transaction

from ..engine import SpecError
from ..engine.fleet import MAX_FLEET, variants
from ..engine.presets import names as preset_names
from ..models import Fleet, FleetMember, Simulator, SimulatorState
from ..models.pollers import SIMULATOR
from ..models.state import RUNNING, STOPPED
from . import bulk_provisioning, lifecycle, simulators
from .errors import ServiceError, TransitionError
from .pollers import allocate_poller_ids
from .simulator_config import config_text, parse_building

# Climates a fleet's buildings are drawn from: city normals and the packaged weather files.
PRESET_NAMES = preset_names()


def max_fleet_size():
    return min(MAX_FLEET, int(getattr(settings, "HSIM_FLEET_MAX_SIZE", 20_000)))


def define_fleet(org, name, size, template=None, seed=0, interval_minutes=None, presets=None):
    """The fleet row (created, or found with the same definition). Validates everything:
    the first building's spec is parsed, so a bad template fails here and creates nothing."""
    if not name or not str(name).strip():
        raise ServiceError({"name": "must not be empty"})
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= max_fleet_size():
        raise ServiceError({"size": f"must be a whole number from 1 to {max_fleet_size()}"})
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62:
        raise ServiceError({"seed": "must be a whole number from 0 to 2^62"})
    template = template or {}
    if not isinstance(template, dict):
        raise ServiceError({"template": "must be a building spec object"})
    presets = list(presets or [])
    try:
        parse_building(template, interval_minutes)  # the template itself, then a variant
        parse_building(variants(template, seed, 1, name, presets)[0], interval_minutes)
    except ServiceError as exc:
        raise ServiceError({k.replace("building_config", "template", 1): v
                            for k, v in exc.errors.items()}) from None
    except ValueError as exc:
        raise ServiceError({"presets": str(exc)}) from None
    fleet, created = Fleet.objects.get_or_create(
        org=org, name=name,
        defaults=dict(seed=seed, template=template, presets=presets,
                      interval_minutes=interval_minutes, size=size),
    )
    if not created:
        if (fleet.seed, fleet.template, fleet.presets, fleet.interval_minutes) != (
                seed, template, presets, interval_minutes):
            raise ServiceError({"name": f"fleet {name!r} exists with another definition "
                                        "(seed, template, presets or interval)"})
        if size > fleet.size:
            fleet.size = size
            fleet.save(update_fields=["size"])
    return fleet


class Budget:
    """A time budget for a slice of fleet work: a task does what fits, then queues the rest
    (every action is idempotent, so the next slice continues where this one stopped)."""

    def __init__(self, seconds=None):
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.exhausted = False

    def spent(self):
        self.exhausted = self.deadline is not None and time.monotonic() >= self.deadline
        return self.exhausted


def grow(fleet, batch_size=50, on_batch=None, budget=None):
    """Create the members the fleet lacks (indexes below `fleet.size`); returns how many."""
    budget = budget or Budget()
    have = set(fleet.members.values_list("index", flat=True))
    missing = [i for i in range(fleet.size) if i not in have]
    created = 0
    for at in range(0, len(missing), batch_size):
        if budget.spent():
            break
        batch = missing[at:at + batch_size]
        _create_batch(fleet, batch)
        created += len(batch)
        if on_batch:
            on_batch(len(batch))
    if created:
        bulk_provisioning.analyze_catalogue()
    return created


def _create_batch(fleet, indexes):
    org = fleet.org
    specs = []
    for index in indexes:
        spec_dict = variants(fleet.template, fleet.seed, 1, fleet.name, fleet.presets,
                             start=index)[0]
        try:
            specs.append((index, parse_building(spec_dict, fleet.interval_minutes)))
        except (ServiceError, SpecError) as exc:  # a template edge the draws reached
            raise ServiceError({"template": f"building {index}: {exc}"}) from None
    with transaction.atomic():
        ids = allocate_poller_ids(len(specs))
        sims = Simulator.objects.bulk_create([
            Simulator(org=org, poller_type=SIMULATOR, poller_id=poller_id,
                      poller_name=spec.site.name, config=config_text(spec, org), status="active")
            for poller_id, (_, spec) in zip(ids, specs)
        ])
        SimulatorState.objects.bulk_create(
            [SimulatorState(simulator_id=s.poller_id, status=STOPPED, config={}) for s in sims]
        )
        FleetMember.objects.bulk_create([
            FleetMember(fleet=fleet, index=index, simulator_id=s.poller_id)
            for (index, _), s in zip(specs, sims)
        ])
        for sim in sims:
            sim.org = org  # provisioning reads org.key; no query per building
        bulk_provisioning.provision_new([(sim, spec) for sim, (_, spec) in zip(sims, specs)])


def members(fleet, indexes=None):
    """The fleet's simulators (all, or those at `indexes`), in index order."""
    rows = fleet.members.order_by("index")
    if indexes is not None:
        rows = rows.filter(index__in=list(indexes))
    ids = list(rows.values_list("simulator_id", flat=True))
    by_id = {s.poller_id: s for s in Simulator.objects.filter(poller_id__in=ids,
                                                               status="active")}
    return [by_id[i] for i in ids if i in by_id]


def _running_ids(fleet):
    return set(SimulatorState.objects.filter(
        simulator_id__in=fleet.members.values("simulator_id"), status=RUNNING,
    ).values_list("simulator_id", flat=True))


def running_count(fleet):
    return len(_running_ids(fleet))


def run_action(fleet_id, verb, indexes=None, then_start=False, seconds=None):
    """One slice of what the fleet task does: grow (then maybe start), start, stop or
    delete. `more` says the budget ran out and the task should queue the rest."""
    fleet = Fleet.objects.filter(pk=fleet_id).first()
    if fleet is None:
        return {"fleet": fleet_id, verb: 0, "more": False, "detail": "fleet is gone"}
    budget = Budget(seconds)
    if verb == "grow":
        done = {"grow": grow(fleet, budget=budget)}
        if then_start and not budget.exhausted:
            done["start"] = start(fleet, budget=budget)
    else:
        done = {verb: ACTIONS[verb](fleet, indexes, budget=budget)}
    return {"fleet": fleet_id, **done, "more": budget.exhausted}


def start(fleet, indexes=None, budget=None):
    """Start every stopped (or failed) member; returns how many started. A fleet of a
    disabled org is refused (lifecycle.OrgDisabledError) before any member."""
    lifecycle.refuse_disabled_org(fleet.org_id, f"fleet {fleet.name!r}")
    budget = budget or Budget()
    started = 0
    running = _running_ids(fleet)
    for sim in members(fleet, indexes):
        if sim.poller_id in running:
            continue
        if budget.spent():
            break
        try:
            lifecycle.start(sim)
            started += 1
        except TransitionError:
            pass  # already running
    return started


def stop(fleet, indexes=None, budget=None):
    budget = budget or Budget()
    stopped = 0
    running = _running_ids(fleet)
    for sim in members(fleet, indexes):
        if sim.poller_id in running and not budget.spent():
            lifecycle.stop(sim)
            stopped += 1
    return stopped


def delete(fleet, indexes=None, budget=None):
    """Delete members (their schedules go, entities and data stay); the whole fleet's row
    goes too when no index is named."""
    budget = budget or Budget()
    deleted = 0
    for sim in members(fleet, indexes):
        if budget.spent():
            return deleted
        simulators.delete_simulator(sim)
        deleted += 1
    if indexes is None:
        fleet.delete()  # and its member rows; the simulators stay, inactive
    # A deleted member keeps its row (so `grow` does not make it again) and is inactive.
    return deleted


ACTIONS = {"start": start, "stop": stop, "delete": delete}
