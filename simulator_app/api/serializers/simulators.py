"""Simulator shapes: state, control, activity, metrics, health, and the router's resource."""

from rest_framework import serializers

from ...models import ActivityLog, BackfillJob
from ...models.activity import EVENT_TYPES
from ...models.state import STATUS_CHOICES
from ..fields import TimeField
from .common import INT4_MAX, BuildingConfigField, JSONBooleanField, interval_field

RUN_STATUSES = [value for value, _ in STATUS_CHOICES]


class SimulatorConfigSerializer(serializers.Serializer):
    building_config = serializers.DictField(help_text="The validated building spec.")
    interval_minutes = serializers.IntegerField()
    value_table = serializers.CharField()


class StateSerializer(serializers.Serializer):
    simulator_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RUN_STATUSES)
    last_run_timestamp = serializers.DateTimeField(allow_null=True)
    totalizers = serializers.DictField(child=serializers.FloatField(), allow_null=True)
    config = SimulatorConfigSerializer()
    origin = serializers.DateTimeField(
        allow_null=True, help_text="First interval ever generated (replays start here).")
    error_message = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class StateUpdateSerializer(serializers.Serializer):
    building_config = BuildingConfigField(required=False)
    interval_minutes = interval_field(required=False)

    def validate(self, data):
        if not data:
            raise serializers.ValidationError("give building_config and/or interval_minutes")
        return data


class BackfillRequestSerializer(serializers.Serializer):
    start = TimeField(help_text="ISO-8601 (no offset: UTC; a date: midnight UTC); aligned down"
                                " to the interval")
    end = TimeField(help_text="ISO-8601 like start, exclusive; capped at now")


class BackfillJobSerializer(serializers.ModelSerializer):
    simulator_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = BackfillJob
        fields = ["id", "simulator_id", "start", "end", "cursor", "status", "rows_written",
                  "error_message", "created_at", "updated_at"]


class ResetSerializer(serializers.Serializer):
    clear_data = JSONBooleanField(
        default=False, help_text="Also delete the rows generated for the simulator's points"
                                 " (a JSON boolean: true or false, nothing else).")


class ResetQuerySerializer(serializers.Serializer):
    """`?clear_data=` spelled exactly `true` or `false` (a query string has no booleans)."""

    clear_data = serializers.ChoiceField(
        choices=["true", "false"], required=False,
        error_messages={"invalid_choice": "must be true or false"})


class ActivitySerializer(serializers.ModelSerializer):
    simulator_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ActivityLog
        fields = ["id", "simulator_id", "timestamp", "event_type", "message", "details",
                  "created_at"]


class ActivityFilterSerializer(serializers.Serializer):
    event_type = serializers.ChoiceField(choices=EVENT_TYPES, required=False)
    start_time = serializers.DateTimeField(required=False, help_text="Events at or after.")
    end_time = serializers.DateTimeField(required=False, help_text="Events before.")
    # Validated here (the paginator itself silently ignores a bad page_size).
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500,
                                         help_text="Events per page (default 50).")

    def validate(self, data):
        if "start_time" in data and "end_time" in data and data["start_time"] > data["end_time"]:
            raise serializers.ValidationError({"end_time": ["must not be before start_time"]})
        return data


class CircuitSerializer(serializers.Serializer):
    """A secondary's circuit breaker: open = writes skip it until a probe sees it back."""

    state = serializers.ChoiceField(choices=["closed", "open"])
    opened_at = serializers.DateTimeField(allow_null=True)
    next_probe_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    failures = serializers.IntegerField()
    probes = serializers.IntegerField()


class TimescaleSerializer(serializers.Serializer):
    status = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_null=True, help_text="Why no hypertables, if so.")


class AutoResumeSerializer(serializers.Serializer):
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField()
    resumed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField()


class DatabaseStatusSerializer(serializers.Serializer):
    key = serializers.CharField()
    primary = serializers.BooleanField()
    status = serializers.ChoiceField(choices=["ok", "lagging", "error"])
    reachable = serializers.BooleanField(allow_null=True)
    lag_seconds = serializers.FloatField(allow_null=True)
    pending_from = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    last_error_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)
    circuit = CircuitSerializer(allow_null=True, required=False)
    timescaledb = TimescaleSerializer(allow_null=True, required=False)


class LastRunSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    event_type = serializers.CharField()
    rows = serializers.IntegerField(allow_null=True)
    intervals = serializers.IntegerField(allow_null=True)
    duration_ms = serializers.FloatField(allow_null=True)
    lag_seconds = serializers.FloatField(allow_null=True)


class MetricsWindowSerializer(serializers.Serializer):
    hours = serializers.FloatField()
    runs = serializers.IntegerField()
    rows = serializers.IntegerField()
    duration_ms_p50 = serializers.FloatField(allow_null=True)
    duration_ms_p99 = serializers.FloatField(allow_null=True)
    rows_per_interval = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    simulator_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RUN_STATUSES)
    since = serializers.DateTimeField(allow_null=True, help_text="Last reset; totals count from here.")
    running_since = serializers.DateTimeField(allow_null=True)
    points = serializers.IntegerField()
    last_run_timestamp = serializers.DateTimeField(allow_null=True)
    lag_seconds = serializers.FloatField(allow_null=True, help_text="now - last_run_timestamp")
    total_runs = serializers.IntegerField()
    total_rows = serializers.IntegerField()
    total_intervals = serializers.IntegerField()
    last_run = LastRunSerializer(allow_null=True)
    window = MetricsWindowSerializer()
    error_count_24h = serializers.IntegerField()
    backfill_rows = serializers.IntegerField()
    clock_skew_events_24h = serializers.IntegerField(
        required=False, help_text="Ticks that found the worker's clock ahead of the database's.")
    databases = DatabaseStatusSerializer(many=True)


class CheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_null=True)


class TickCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    last_run_timestamp = serializers.DateTimeField(allow_null=True, required=False)
    age_seconds = serializers.FloatField(allow_null=True, required=False)
    max_age_seconds = serializers.IntegerField(required=False)
    reason = serializers.CharField(allow_null=True)


class HealthChecksSerializer(serializers.Serializer):
    last_tick = TickCheckSerializer()
    database = CheckSerializer()
    broker = CheckSerializer()
    value_databases = DatabaseStatusSerializer(many=True)
    auto_resume = AutoResumeSerializer(allow_null=True, required=False)


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["healthy", "degraded", "unhealthy"])
    simulator_id = serializers.IntegerField()
    simulator_status = serializers.ChoiceField(choices=RUN_STATUSES)
    checked_at = serializers.DateTimeField()
    reasons = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="Facts that do not change the status.")
    checks = HealthChecksSerializer()


class SimulatorSerializer(serializers.Serializer):
    """A simulator as a REST resource (the router's `/api/simulators/`)."""

    poller_id = serializers.IntegerField()
    org_id = serializers.IntegerField()
    name = serializers.CharField()
    run_status = serializers.ChoiceField(choices=RUN_STATUSES)
    last_run_timestamp = serializers.DateTimeField(allow_null=True)
    interval_minutes = serializers.IntegerField()
    building_config = serializers.DictField()
    created_at = serializers.DateTimeField(allow_null=True)


class SimulatorCreateSerializer(serializers.Serializer):
    org_id = serializers.IntegerField(min_value=1, max_value=INT4_MAX)
    name = serializers.CharField(max_length=255)
    building_config = BuildingConfigField(
        required=False, allow_null=True, help_text="Building spec; omitted = the default building.")
    interval_minutes = interval_field(required=False)
