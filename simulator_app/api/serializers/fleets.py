"""Fleet shapes: a definition (template, seed, size) and its progress."""

from rest_framework import serializers

from ...services.fleets import PRESET_NAMES
from .common import INT4_MAX, interval_field


class FleetCreateSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    name = serializers.CharField(max_length=200)
    size = serializers.IntegerField(min_value=1, help_text="number of buildings")
    seed = serializers.IntegerField(min_value=0, max_value=2**62 - 1, default=0)
    template = serializers.DictField(required=False, default=dict,
                                     help_text="building spec the buildings vary from")
    presets = serializers.ListField(child=serializers.ChoiceField(choices=PRESET_NAMES),
                                    required=False, default=list, max_length=len(PRESET_NAMES))
    interval_minutes = interval_field(required=False)
    start = serializers.BooleanField(default=False, help_text="start each building once made")


class FleetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    org_id = serializers.IntegerField()
    name = serializers.CharField()
    seed = serializers.IntegerField()
    size = serializers.IntegerField()
    members = serializers.IntegerField(help_text="buildings made so far")
    running = serializers.IntegerField()
    presets = serializers.ListField(child=serializers.CharField())
    interval_minutes = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class FleetSelectionSerializer(serializers.Serializer):
    indexes = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=INT4_MAX), required=False,
        allow_null=True, max_length=100_000,
        help_text="0-based building indexes; all buildings when omitted")
