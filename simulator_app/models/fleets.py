"""Fleets: many simulators made from one template spec and one fleet seed."""

from django.db import models


class Fleet(models.Model):
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False, related_name="fleets")
    name = models.CharField(max_length=200)
    seed = models.BigIntegerField()
    template = models.JSONField(default=dict, blank=True)
    presets = models.JSONField(default=list, blank=True, help_text="climate preset names")
    interval_minutes = models.IntegerField(null=True, blank=True)
    size = models.IntegerField(default=0, help_text="buildings asked for; members catch up")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="uniq_fleet_name")]
        ordering = ["id"]

    def __str__(self):
        return f"fleet {self.name} (seed {self.seed})"


class FleetMember(models.Model):
    """Building `index` of a fleet is this simulator."""

    fleet = models.ForeignKey(Fleet, models.CASCADE, related_name="members")
    index = models.IntegerField()
    simulator = models.OneToOneField(
        "PollerConfig", models.DO_NOTHING, db_constraint=False, to_field="poller_id",
        related_name="fleet_member",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fleet", "index"], name="uniq_fleet_member_index")
        ]
        ordering = ["fleet_id", "index"]
