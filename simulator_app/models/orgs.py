from django.db import models

from .fields import UTCTimestampField, core_table


class Org(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=255, null=True, unique=True)
    key = models.CharField(max_length=255, null=True)
    value_table = models.CharField(max_length=255)
    disabled_ts = UTCTimestampField(null=True, blank=True)
    schema_name = models.CharField(max_length=255)

    class Meta:
        managed = False
        db_table = core_table("org")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.key})"

    @property
    def current_table(self):
        return f"{self.value_table}_current"
