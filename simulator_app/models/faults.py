"""The configurations a simulator ran under, and the fault episodes injected at run time.

Labels must describe the data as it was generated: when the spec changes, the rows already
written keep the faults of the spec that produced them. A `ConfigEpoch` records which spec
applied from which instant (the rebase point of the change) until the next epoch; a simulator
without epochs has only ever run its current configuration.
"""

from django.db import models


class ConfigEpoch(models.Model):
    simulator = models.ForeignKey(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="config_epochs",
    )
    # First instant generated under this spec; NULL for the first epoch (everything before).
    starts_at = models.DateTimeField(null=True, blank=True)
    spec = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["simulator", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["simulator", "starts_at"], name="uniq_config_epoch"),
        ]

    def __str__(self):
        return f"simulator {self.simulator_id} from {self.starts_at or 'the beginning'}"


class FaultEpisode(models.Model):
    """A fault injected at run time; it lives on as one of the spec's fault scenarios."""

    simulator = models.ForeignKey(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="fault_episodes",
    )
    kind = models.CharField(max_length=40)
    target = models.CharField(max_length=255, help_text="catalogue key of equipment or point")
    severity = models.FloatField()
    onset = models.DateTimeField()
    ramp_minutes = models.IntegerField(default=0)
    end = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-onset", "-id"]

    def __str__(self):
        return f"{self.kind} on {self.target} from {self.onset:%Y-%m-%d %H:%M}"
