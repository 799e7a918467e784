"""`POST /bulk/value` shapes, as the platform's ValueBulkCreate / ValueBase.

Items are validated by `services.bulk_values` (a plain loop over 50,000 items takes
milliseconds; a nested DRF serializer takes seconds); the item serializer documents them.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .common import INT4_MAX


class BulkValueSerializer(serializers.Serializer):
    ts = serializers.DateTimeField(help_text="Interval timestamp, ISO 8601; no offset = UTC.")
    entity_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    value_n = serializers.FloatField(required=False, allow_null=True)
    value_b = serializers.BooleanField(required=False, allow_null=True)
    value_s = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    value_ts = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.CharField(required=False, allow_null=True, allow_blank=True,
                                   max_length=255, help_text="ok, stale, fault, down...")


class WrittenValueSerializer(BulkValueSerializer):
    """A value as written: every key present, `ts` in UTC."""

    value_n = serializers.FloatField(allow_null=True)
    value_b = serializers.BooleanField(allow_null=True)
    value_s = serializers.CharField(allow_null=True, allow_blank=True)
    value_ts = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField(allow_null=True, allow_blank=True)


@extend_schema_field(BulkValueSerializer(many=True))
class ValuesField(serializers.ListField):
    """The `values` list; its items are checked by the bulk value service."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return data


class BulkValueRequestSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    values = ValuesField(allow_empty=True)
