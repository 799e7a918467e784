"""The simulator activity log: what happened, for people and for metrics."""

from ..models import ActivityLog


def log_event(simulator_id, event_type, message, **details):
    return ActivityLog.objects.create(
        simulator_id=simulator_id, event_type=event_type, message=message, details=details or None
    )
