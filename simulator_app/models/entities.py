from django.db import models

from .fields import NumericField, UTCTimestampField, core_table


class TagDef(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=255, unique=True)
    url = models.CharField(max_length=1024, null=True, blank=True)
    doc = models.TextField(null=True, blank=True)
    dis = models.CharField(max_length=255, null=True, blank=True)
    file_ext = models.CharField(max_length=255, null=True, blank=True)
    mime = models.CharField(max_length=255, null=True, blank=True)
    version = models.CharField(max_length=255, null=True, blank=True)
    min_val = models.IntegerField(null=True, blank=True)
    max_val = models.IntegerField(null=True, blank=True)
    base_uri = models.CharField(max_length=1024, null=True, blank=True)
    disabled_ts = UTCTimestampField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = core_table("tag_def")
        ordering = ["name"]
        verbose_name = "tag definition"

    def __str__(self):
        return self.name


class Entity(models.Model):
    id = models.AutoField(primary_key=True)
    value_table_id = models.CharField(max_length=255, null=True, blank=True)
    disabled_ts = UTCTimestampField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = core_table("entity")
        ordering = ["id"]
        verbose_name_plural = "entities"

    def __str__(self):
        return f"entity {self.id}"


class EntityTag(models.Model):
    """One tag of an entity (EAV). Markers carry no value; refs use `value_ref`."""

    id = models.AutoField(primary_key=True)
    entity = models.ForeignKey(
        Entity, models.DO_NOTHING, db_constraint=False, null=True, related_name="tags"
    )
    tag = models.ForeignKey(TagDef, models.DO_NOTHING, db_constraint=False, null=True)
    value_n = NumericField(null=True, blank=True)
    value_b = models.BooleanField(null=True, blank=True)
    value_s = models.CharField(max_length=4096, null=True, blank=True)
    value_ts = UTCTimestampField(null=True, blank=True)
    value_dict = models.JSONField(null=True, blank=True)
    value_ref = models.IntegerField(null=True, blank=True)
    value_enum = models.IntegerField(null=True, blank=True)
    disabled_ts = UTCTimestampField(null=True, blank=True)

    class Meta:
        managed = False
        db_table = core_table("entity_tag")
        ordering = ["entity_id", "tag__name"]

    def __str__(self):
        return f"{self.tag.name if self.tag_id else '?'}={self.display_value}"

    @property
    def display_value(self):
        for value in (self.value_ref, self.value_n, self.value_s, self.value_ts, self.value_dict):
            if value is not None:
                return f"@{value}" if value is self.value_ref else value
        if self.value_b is not None:
            return self.value_b
        return "marker"


class OrgEntityPermission(models.Model):
    id = models.AutoField(primary_key=True)
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False)
    entity = models.ForeignKey(Entity, models.DO_NOTHING, db_constraint=False)

    class Meta:
        managed = False
        db_table = core_table("org_entity_permission")
        unique_together = [("org", "entity")]
