"""hsim's own tables (in Django's schema): what the platform's schema has no place for."""

from django.db import models


class SimulatorEntity(models.Model):
    """Which `core.entity` a catalogue key of a simulator was provisioned as."""

    simulator = models.ForeignKey(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="entity_map",
    )
    key = models.CharField(max_length=255)
    entity = models.ForeignKey("Entity", models.DO_NOTHING, db_constraint=False)
    is_point = models.BooleanField(default=False)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["simulator", "key"], name="uniq_simulator_entity_key")
        ]
        verbose_name_plural = "simulator entities"

    def __str__(self):
        return f"{self.simulator_id}:{self.key} -> {self.entity_id}"


class BackfillJob(models.Model):
    """A resumable backfill: chunks commit one by one and `cursor` records the progress."""

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"

    simulator = models.ForeignKey(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="backfills",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    cursor = models.DateTimeField(null=True, blank=True)
    engine_state = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=20, default=PENDING)
    rows_written = models.BigIntegerField(default=0)
    error_message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        # Admission (services.backfill_admission) looks up a simulator's queued jobs on every
        # backfill request: overlap and the org's quota.
        indexes = [models.Index(fields=["simulator", "status"], name="backfill_sim_status")]

    def __str__(self):
        return f"backfill {self.id} of simulator {self.simulator_id}: {self.status}"
