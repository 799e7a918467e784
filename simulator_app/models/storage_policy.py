"""How long an org's generated values are kept, and when they are compressed (issue 13)."""

from django.core.validators import MaxValueValidator
from django.db import models


class OrgStoragePolicy(models.Model):
    """Per-org overrides of HSIM_RETENTION_DAYS / HSIM_COMPRESS_AFTER_DAYS (empty = default).

    retention_days 0 keeps everything; compress_after_days 0 compresses nothing (compression
    needs TimescaleDB; elsewhere the field has no effect)."""

    org = models.OneToOneField("Org", models.DO_NOTHING, db_constraint=False,
                               related_name="storage_policy")
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(36_500)],
        help_text="rows older than this many days are dropped; 0 = keep forever;"
                  " empty = HSIM_RETENTION_DAYS")
    compress_after_days = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(36_500)],
        help_text="TimescaleDB compresses chunks older than this; 0 = never;"
                  " empty = HSIM_COMPRESS_AFTER_DAYS")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "org storage policies"

    def __str__(self):
        return f"storage policy of org {self.org_id}"
