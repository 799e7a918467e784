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


# Room for every mode of engine.spec.FAULT_MODES (the longest, "always_on", has 9 characters;
# tests/api/test_fault_episode_form.py checks they all fit).
MODE_MAX_LENGTH = 20


class FaultEpisode(models.Model):
    """A fault injected at run time; it lives on as one of the spec's fault scenarios.

    `mode` and `magnitude` are the fault's form as injection validated it and the engine
    applies it (faults_runtime.inject): the mode given or the kind's default, "" for kinds with
    a single form; the magnitude given or the kind's default, NULL for kinds without one. A
    NULL mode marks a row written before they were stored (migration 0011): its form is only
    found in the spec (faults_runtime.describe).
    """

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
    mode = models.CharField(
        max_length=MODE_MAX_LENGTH, null=True, blank=True,
        help_text="the fault's form (spec faults[].mode, the kind's default if none was given);"
                  " empty for kinds with one form; NULL: not recorded (before 0011)")
    magnitude = models.FloatField(
        null=True, blank=True,
        help_text="size at severity 1 in the kind's unit (the one given, else the kind's"
                  " default); NULL for kinds without one, or not recorded when mode is NULL")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-onset", "-id"]

    def __str__(self):
        return f"{self.kind} on {self.target} from {self.onset:%Y-%m-%d %H:%M}"

    @property
    def form_recorded(self):
        """Whether the row stores its mode and magnitude (written after migration 0011)."""
        return self.mode is not None

    def recorded_form(self):
        """(mode or None, magnitude) as stored; None for a row written before 0011."""
        if self.mode is None:
            return None
        return (self.mode or None, self.magnitude)
