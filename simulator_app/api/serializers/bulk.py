"""`POST /bulk/value` shapes, as the platform's ValueBulkCreate / ValueBase.

Items are validated by `services.bulk_values` (a plain loop over 50,000 items takes
milliseconds; a nested DRF serializer takes seconds); the item serializer documents them.
"""

import re

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


TEXT_FIELDS = ("value_s", "status")
MAX_TEXT_ERRORS = 20  # like the service: enough to fix a payload, never 50,000 lines


SURROGATE = re.compile("[\ud800-\udfff]")


@extend_schema_field(BulkValueSerializer(many=True))
class ValuesField(serializers.ListField):
    """The `values` list; its items are checked by the bulk value service, except for text
    no database can store: a lone surrogate (JSON allows "\\ud800"; UTF-8 cannot encode it),
    refused here as DRF's CharField refuses it."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        errors = {}
        for index, item in enumerate(data):
            if not isinstance(item, dict):
                continue  # the service says "must be an object"
            for name in TEXT_FIELDS:
                text = item.get(name)
                found = isinstance(text, str) and not text.isascii() and SURROGATE.search(text)
                if found:
                    errors.setdefault(index, {})[name] = [
                        f"must not contain surrogate characters (U+{ord(found.group()):04X}):"
                        " not valid unicode text"]
            if len(errors) >= MAX_TEXT_ERRORS:
                break
        if errors:
            raise serializers.ValidationError(errors)
        return data


class BulkValueRequestSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    values = ValuesField(allow_empty=True)
