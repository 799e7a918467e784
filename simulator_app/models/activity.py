from django.db import models
from django.utils import timezone

from .fields import core_table

EVENT_TYPES = ["start", "stop", "reset", "generation", "gap_fill", "error", "config_change"]


class ActivityLog(models.Model):
    id = models.AutoField(primary_key=True)
    simulator = models.ForeignKey(
        "PollerConfig",
        models.DO_NOTHING,
        db_constraint=False,
        to_field="poller_id",
        related_name="activity",
    )
    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.CharField(max_length=50, choices=[(e, e) for e in EVENT_TYPES])
    message = models.TextField()
    details = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)

    class Meta:
        managed = False
        db_table = core_table("simulator_activity_log")
        ordering = ["-timestamp", "-id"]
        verbose_name = "activity log entry"
        verbose_name_plural = "activity log"

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.event_type}: {self.message}"
