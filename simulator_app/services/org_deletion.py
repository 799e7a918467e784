"""Deleting an org: everything that runs for it stops first, then it is disabled.

The platform deletes softly (`disabled_ts`), and so does hsim: the org row, its value tables
and the rows in them stay (nothing generated is lost), while everything that would keep
acting for the org stops, in this order, each simulator under its lock so a tick in flight
finishes first:

    simulators  stopped, periodic task removed, poller inactive, a `stop` event logged;
                queued or running backfill jobs of theirs marked failed
    pollers     (of every type) inactive: the platform's reads return active pollers only
    entities    the org's, disabled (`disabled_ts`) unless another enabled org still sees them
    org         disabled (`disabled_ts`)

A tick or backfill that still reaches a simulator of a disabled (or vanished) org stops it
cleanly with the same log (`stop_orphan`), never silently.
"""

import logging

from django.db import transaction
from django.utils import timezone

from ..models import BackfillJob, Entity, Org, OrgEntityPermission, PollerConfig, Simulator
from ..models import SimulatorState
from ..models.state import STOPPED
from . import schedule
from .activity import log_event
from .errors import BusyError
from .locks import simulator_lock

log = logging.getLogger(__name__)
LOCK_WAIT_SECONDS = 10  # a tick takes well under a second; a backfill chunk a few


def delete_org(org, actor="someone"):
    """Stop and disable everything of `org`, then disable it; returns what was done.

    Idempotent: deleting a disabled org again stops whatever was started since. Raises
    BusyError (nothing of that simulator changed) when a simulator stays locked."""
    now = timezone.now()
    reason = f"org '{org.key}' deleted by {actor}"
    active = PollerConfig.objects.filter(org_id=org.id).exclude(status="inactive").count()
    stopped = [stop_simulator(simulator, reason, now)
               for simulator in Simulator.objects.filter(org_id=org.id).order_by("poller_id")]
    with transaction.atomic():
        PollerConfig.objects.filter(org_id=org.id).exclude(status="inactive") \
            .update(status="inactive")
        entities = disable_entities(org, now)
        Org.objects.filter(pk=org.pk).update(disabled_ts=now)
        org.disabled_ts = now
    summary = {"simulators": len(stopped), "running": sum(stopped), "pollers": active,
               "entities": entities}
    log.warning("org %s (%s) deleted by %s: %s simulator(s) stopped (%s were running), %s"
                " poller(s) made inactive, %s entities disabled; value tables kept",
                org.id, org.key, actor, summary["simulators"], summary["running"],
                summary["pollers"], summary["entities"])
    return summary


def stop_simulator(simulator, reason, now):
    """Stop one simulator for good (poller inactive, schedule removed); True if it ran."""
    with simulator_lock(simulator.poller_id, wait_seconds=LOCK_WAIT_SECONDS) as acquired:
        if not acquired:
            raise BusyError(f"simulator {simulator.poller_id} stayed busy; try again")
        with transaction.atomic():
            was = stop_state(simulator.poller_id)
            PollerConfig.objects.filter(pk=simulator.pk).update(status="inactive")
            jobs = BackfillJob.objects.filter(
                simulator_id=simulator.poller_id,
                status__in=[BackfillJob.PENDING, BackfillJob.RUNNING],
            ).update(status=BackfillJob.FAILED, error_message=f"cancelled: {reason}",
                     updated_at=now)
            log_event(simulator.poller_id, "stop", f"Stopped and made inactive: {reason}",
                      reason=reason, previous_status=was, org_deleted=True,
                      backfills_cancelled=jobs)
    return was not in (None, STOPPED)


def stop_state(simulator_id):
    """Set the state to stopped and remove the periodic task; the previous status."""
    state = SimulatorState.objects.select_for_update().filter(simulator_id=simulator_id).first()
    was = state.status if state else None
    if state is not None and state.status != STOPPED:
        state.status = STOPPED
        state.save(update_fields=["status", "updated_at"])
    schedule.remove(simulator_id)
    return was


def disable_entities(org, now):
    """Disable the org's entities that no other enabled org may see (shared ones stay)."""
    ours = OrgEntityPermission.objects.filter(org_id=org.id).values("entity_id")
    shared = OrgEntityPermission.objects.exclude(org_id=org.id).filter(
        org__disabled_ts__isnull=True).values("entity_id")
    return Entity.objects.filter(id__in=ours, disabled_ts__isnull=True) \
        .exclude(id__in=shared).update(disabled_ts=now)


def stop_orphan(simulator_id):
    """A tick (or backfill) reached a simulator whose org is disabled or gone, or which is
    gone itself: stop it and say so, instead of generating or silently unscheduling.
    Returns "org_gone" or "missing"."""
    poller = PollerConfig.objects.filter(poller_id=simulator_id).first()
    if poller is None:
        reason = f"simulator {simulator_id} no longer exists"
        outcome = "missing"
    else:
        org = Org.objects.filter(pk=poller.org_id).first()
        what = "no longer exists" if org is None else f"'{org.key}' is disabled"
        reason = f"its org {poller.org_id} {what}"
        outcome = "org_gone"
    with transaction.atomic():
        was = stop_state(simulator_id)
        if poller is not None:
            PollerConfig.objects.filter(pk=poller.pk).update(status="inactive")
        if was not in (None, STOPPED):  # it was meant to run: its log says why it stopped
            log_event(simulator_id, "stop", f"Stopped: {reason}", reason=reason,
                      previous_status=was, org_deleted=outcome == "org_gone")
    log.warning("simulator %s stopped and unscheduled: %s", simulator_id, reason)
    return outcome
