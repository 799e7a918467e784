"""The platform's PollerConfig shapes (db-service-layer, exactly): `config` is JSON text."""

from rest_framework import serializers

from ...models import PollerConfig
from ...services import json_text
from ...services.pollers import POLLER_STATUSES
from .common import INT4_MAX, bad_characters

# The poller types this deployment knows; `simulator` is the one hsim runs itself.
POLLER_TYPES = ("bacnet", "file", "modbus", "mqtt", "simulator")
SIMULATOR_CONFIG_KEYS = ("building_config", "interval_minutes", "value_table")


class PollerConfigSerializer(serializers.ModelSerializer):
    org_id = serializers.IntegerField(read_only=True)
    config = serializers.CharField(read_only=True, help_text="The poller's configuration, JSON text.")

    class Meta:
        model = PollerConfig
        fields = ["id", "org_id", "poller_type", "poller_id", "poller_name", "config", "status",
                  "created_at"]
        read_only_fields = fields


class PollerCreateSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    poller_type = serializers.ChoiceField(choices=POLLER_TYPES)
    poller_name = serializers.CharField(max_length=255)
    config = serializers.CharField(
        trim_whitespace=False,
        help_text='JSON text holding an object. For a simulator: {"building_config": {...},'
                  ' "interval_minutes": 15} (both optional: the default building, 15 min).',
    )
    status = serializers.ChoiceField(choices=POLLER_STATUSES, default="active")

    def validate_config(self, value):
        try:
            config = json_text.loads(value)
        except json_text.JSONInputError as exc:
            raise serializers.ValidationError(str(exc)) from None
        if not isinstance(config, dict):
            raise serializers.ValidationError("must be a JSON object")
        return config

    def validate(self, data):
        if data["poller_type"] == "simulator":
            unknown = sorted(set(data["config"]) - set(SIMULATOR_CONFIG_KEYS))
            if unknown:
                raise serializers.ValidationError(
                    {"config": [f"unknown simulator setting(s): {', '.join(unknown)};"
                                f" allowed: {', '.join(SIMULATOR_CONFIG_KEYS)}"]})
            building = data["config"].get("building_config")
            if building is not None and not isinstance(building, dict):
                raise serializers.ValidationError(
                    {"config.building_config": ["must be a JSON object"]})
            if bad_characters(building):
                raise serializers.ValidationError(
                    {"config": [f"{bad_characters(building)} holds NUL or invalid unicode"
                                " characters"]})
        return data


class PollerTypeQuerySerializer(serializers.Serializer):
    type = serializers.CharField(max_length=255, trim_whitespace=False, required=False,
                                 help_text="Poller type, e.g. simulator; omitted: every type.")
