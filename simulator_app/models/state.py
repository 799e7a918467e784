from django.db import models

from .fields import core_table

STOPPED, RUNNING, ERROR = "stopped", "running", "error"
STATUS_CHOICES = [(STOPPED, "stopped"), (RUNNING, "running"), (ERROR, "error")]


class SimulatorState(models.Model):
    """The persisted progress of one simulator (reference table plus a link and engine state)."""

    id = models.AutoField(primary_key=True)
    simulator = models.OneToOneField(
        "PollerConfig",
        models.DO_NOTHING,
        db_constraint=False,
        to_field="poller_id",
        null=True,
        related_name="state",
    )
    service_name = models.CharField(max_length=100, default="haystack_simulator")
    last_run_timestamp = models.DateTimeField(null=True, blank=True)
    totalizers = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=50, default=STOPPED, choices=STATUS_CHOICES)
    config = models.JSONField(null=True, blank=True)
    error_message = models.TextField(null=True, blank=True)
    # hsim addition: the engine's dynamic state (thermal state, drift...) between ticks.
    engine_state = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        managed = False
        db_table = core_table("simulator_state")

    def __str__(self):
        return f"state of simulator {self.simulator_id}: {self.status}"
