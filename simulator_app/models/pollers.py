import json

from django.db import models

from .fields import UTCTimestampField, core_table

SIMULATOR = "simulator"


class PollerConfig(models.Model):
    """A poller of the platform. `poller_id` is the public id; the database allocates it."""

    id = models.AutoField(primary_key=True)
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False, related_name="pollers")
    poller_type = models.CharField(max_length=255)
    poller_id = models.IntegerField(unique=True, editable=False)
    poller_name = models.CharField(max_length=255)
    config = models.TextField(help_text="JSON")
    status = models.CharField(max_length=255, default="active")
    created_at = UTCTimestampField(auto_now_add=True, null=True)

    class Meta:
        managed = False
        db_table = core_table("poller_config")
        ordering = ["poller_id"]

    def __str__(self):
        return f"{self.poller_name} (#{self.poller_id})"

    @property
    def config_dict(self):
        try:
            value = json.loads(self.config or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


class SimulatorManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(poller_type=SIMULATOR)


class Simulator(PollerConfig):
    """A poller of type `simulator`: its `config` holds the building spec and interval."""

    objects = SimulatorManager()

    class Meta:
        proxy = True
        ordering = ["poller_id"]

    def save(self, *args, **kwargs):
        self.poller_type = SIMULATOR
        super().save(*args, **kwargs)
