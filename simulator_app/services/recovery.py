"""Recovery that needs no person: auto-resume after a primary outage, and the periodic probe.

A primary failure stops the write (DESIGN 5: the simulator goes to `error`, nothing advances);
staying stopped forever is what needed a person. With HSIM_AUTO_RESUME on (the default), the
failing tick leaves an AutoResume ticket; `run_probe` (the `recovery_probe` task, on beat's
schedule) resumes the simulator once the primary value database answers and the ticket's
backoff has passed, and records it in the activity log. A resume whose tick fails again doubles
the wait (HSIM_AUTO_RESUME_BACKOFF_SECONDS, capped by ..._MAX_BACKOFF_SECONDS); the first
generation after a resume ends it. Any start, stop or reset by a person removes the ticket, so
a simulator someone stopped stays stopped. `error` stays visible until the resume.

The same probe tries the secondaries whose circuit breaker is open (storage/multi.py).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import ActivityLog, AutoResume, Simulator, SimulatorState
from ..models.state import ERROR, RUNNING
from ..storage.errors import describe
from . import schedule
from .activity import log_event
from .queue import enqueue_tick
from .simulator_config import spec_of
from .value_databases import multi_writer

log = logging.getLogger(__name__)
RUN_EVENTS = ("generation", "gap_fill")


def backoff_seconds(attempts):
    base = settings.HSIM_AUTO_RESUME_BACKOFF_SECONDS
    return min(base * 2 ** min(attempts, 30), settings.HSIM_AUTO_RESUME_MAX_BACKOFF_SECONDS)


def after_primary_failure(simulator_id, message, now=None):
    """Called in the failing tick's transaction: leave (or renew) the ticket. Returns when the
    resume may happen, None when auto-resume is off."""
    if not settings.HSIM_AUTO_RESUME:
        return None
    now = now or timezone.now()
    ticket = AutoResume.objects.select_for_update().filter(simulator_id=simulator_id).first()
    if ticket is None:
        ticket = AutoResume(simulator_id=simulator_id, attempts=0)
    ticket.reason = message[:2000]
    ticket.resumed_at = None
    ticket.next_attempt_at = now + timedelta(seconds=backoff_seconds(ticket.attempts))
    ticket.save()
    return ticket.next_attempt_at


def forget(simulator_id):
    """A person decided (start, stop, reset): no resume of their own."""
    AutoResume.objects.filter(simulator_id=simulator_id).delete()


def primary_error():
    """None when the primary value database answers a query, else why not."""
    try:
        writer = multi_writer()
    except Exception as exc:
        return describe(exc)
    try:
        writer.primary.connection().execute("SELECT 1")
    except Exception as exc:
        return describe(getattr(exc, "cause", exc))
    finally:
        writer.close()
    return None


def resume_due(now=None):
    """Resume every simulator whose ticket is due, if the primary answers. Returns their ids."""
    now = now or timezone.now()
    finish_succeeded()
    due = list(AutoResume.objects.filter(resumed_at__isnull=True, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("simulator_id", flat=True)[:1000])
    if not due:
        return []
    error = primary_error()
    if error is not None:
        log.info("auto-resume: primary still unavailable (%s); %d simulator(s) wait",
                 error, len(due))
        return []
    return [sid for sid in due if resume(sid, now)]


def resume(simulator_id, now=None):
    """Put one simulator back to running (it stays in error if anything changed meanwhile)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = AutoResume.objects.select_for_update().filter(
            simulator_id=simulator_id, resumed_at__isnull=True).first()
        state = SimulatorState.objects.select_for_update().filter(
            simulator_id=simulator_id).first()
        simulator = Simulator.objects.filter(poller_id=simulator_id).first()
        if ticket is None:
            return False
        if state is None or simulator is None or state.status != ERROR:
            ticket.delete()  # deleted, or someone already started or stopped it
            return False
        ticket.attempts += 1
        ticket.resumed_at = now
        ticket.save(update_fields=["attempts", "resumed_at", "updated_at"])
        previous_error = state.error_message
        state.status = RUNNING
        state.error_message = None
        state.save(update_fields=["status", "error_message", "updated_at"])
        minutes = spec_of(simulator).interval_minutes
        schedule.enable(simulator_id, minutes, now=now)
        log_event(simulator_id, "auto_resume",
                  f"Resumed by itself: the primary value database answers again "
                  f"(attempt {ticket.attempts})",
                  attempt=ticket.attempts, previous_error=previous_error,
                  interval_minutes=minutes)
        enqueue_tick(simulator_id)
    return True


def finish_succeeded():
    """Tickets whose resume led to a generation are done; so are those whose simulator is no
    longer running after a resume without a new primary failure (another kind of error: that
    one needs a person, as before)."""
    for ticket in AutoResume.objects.filter(resumed_at__isnull=False)[:1000]:
        generated = ActivityLog.objects.filter(
            simulator_id=ticket.simulator_id, event_type__in=RUN_EVENTS,
            timestamp__gte=ticket.resumed_at).exists()
        running = SimulatorState.objects.filter(simulator_id=ticket.simulator_id,
                                                status=RUNNING).exists()
        if generated or not running:
            ticket.delete()


def ticket_of(simulator_id):
    """For health: the pending auto-resume of a simulator, or None."""
    ticket = AutoResume.objects.filter(simulator_id=simulator_id).first()
    if ticket is None:
        return None
    return {"attempts": ticket.attempts, "next_attempt_at": ticket.next_attempt_at,
            "resumed_at": ticket.resumed_at, "reason": ticket.reason}


def probe_secondaries():
    writer = multi_writer()
    try:
        return writer.probe_secondaries()
    finally:
        writer.close()


def run_probe(now=None):
    """The periodic recovery probe: secondaries first (cheap when none is open), then resumes."""
    try:
        secondaries = probe_secondaries()
    except Exception as exc:  # primary down: nothing to catch up into anyway
        secondaries = {"error": describe(exc)}
    return {"secondaries": secondaries, "resumed": resume_due(now)}
