"""Shapes of the reading endpoints: points, equipment, history, fault labels and injection."""

from rest_framework import serializers

from ...engine.spec import FAULT_MODES, Fault
from ...services.faults_runtime import FAULT_TARGETS
from ...services.history import FUNCTIONS


class PointSerializer(serializers.Serializer):
    entity_id = serializers.IntegerField()
    key = serializers.CharField()
    dis = serializers.CharField()
    kind = serializers.CharField(help_text="Number or Bool")
    unit = serializers.CharField(allow_null=True)
    equip = serializers.CharField(help_text="Catalogue key of the point's equipment.")
    equip_dis = serializers.CharField(allow_null=True)
    tags = serializers.DictField(help_text="Haystack tags (Hayson JSON encoding).")
    cur_val = serializers.JSONField(allow_null=True, help_text="Number, bool or null.")
    cur_status = serializers.CharField(allow_null=True)
    cur_ts = serializers.DateTimeField(allow_null=True)


class PointFilterSerializer(serializers.Serializer):
    equip = serializers.CharField(required=False, help_text="Equipment key, e.g. ahu-1.")
    tag = serializers.ListField(child=serializers.CharField(), required=False,
                                help_text="Tag names the point must carry (repeatable).")
    key = serializers.ListField(child=serializers.CharField(), required=False,
                                help_text="Point keys (repeatable).")

    def to_internal_value(self, data):
        # DRF treats a blank optional field of a query string as absent; the schema says
        # `equip` has at least one character, so `?equip=` is a mistake to name, not "all".
        if hasattr(data, "getlist") and "" in data.getlist("equip"):
            raise serializers.ValidationError({"equip": ["may not be blank"]})
        return super().to_internal_value(data)


class EquipSerializer(serializers.Serializer):
    key = serializers.CharField()
    dis = serializers.CharField()
    type = serializers.CharField(help_text="ahu, vav, chiller, weatherStation, ...")
    markers = serializers.ListField(child=serializers.CharField())
    tags = serializers.DictField()
    point_count = serializers.IntegerField()


class HistorySeriesSerializer(serializers.Serializer):
    point = serializers.CharField()
    entity_id = serializers.IntegerField()
    unit = serializers.CharField(allow_null=True)
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="[ts, value_n, value_b, value_s, status]; a rollup row's ts is its bucket's"
                  " start and value_n the aggregate")


class HistorySerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    rollup = serializers.CharField(allow_null=True)
    fn = serializers.ChoiceField(choices=FUNCTIONS, allow_null=True)
    series = HistorySeriesSerializer(many=True)


class AnomaliesSerializer(serializers.Serializer):
    anomalies = serializers.BooleanField(
        required=False, default=False,
        help_text="Also the data-quality anomalies (drift, stale, dropout, outage) the engine"
                  " labels; the window is then at most 31 days.")


MODES_HELP = ("The fault's form, its default when the spec names none: " + "; ".join(
    f"{kind}: {', '.join(modes)}" for kind, modes in FAULT_MODES.items())
    + " (first is the default); null for the other kinds and anomalies.")


class LabelSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=f"A fault ({', '.join(sorted(FAULT_TARGETS))}) or,"
                                           " with anomalies=true, a data-quality anomaly.")
    entity = serializers.CharField(help_text="Catalogue key (equipment, or the biased point).")
    entity_id = serializers.IntegerField(allow_null=True)
    points = serializers.ListField(child=serializers.CharField())
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True, help_text="null while open-ended")
    severity = serializers.FloatField()
    point = serializers.CharField(
        allow_null=True, help_text="The point a point-level fault acts on (duct_static_sensor:"
                                   " equip.duct-static-pressure) or an anomaly degrades; null"
                                   " for the others (a sensor_bias names its point as entity).")
    magnitude = serializers.FloatField(
        allow_null=True, help_text="Faults: the size at the episode's severity, in the kind's"
                                   " unit (see the spec's faults[].magnitude), null for the"
                                   " first six kinds and for sizeless modes (a stuck meter,"
                                   " always_on). Anomalies: drift per year, or run length in"
                                   " intervals.")
    mode = serializers.CharField(allow_null=True, help_text=MODES_HELP)
    source = serializers.ChoiceField(choices=["spec", "injected"])


class LabelsSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    labels = LabelSerializer(many=True)


class WindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField(required=False, help_text="Default: a day before end.")
    end = serializers.DateTimeField(required=False, help_text="Exclusive; default: now.")


class FaultRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=f"One of {', '.join(sorted(FAULT_TARGETS))}.")
    target = serializers.CharField(
        help_text="Catalogue key of the equipment (for sensor_bias also equip.point).")
    severity = serializers.FloatField(required=False, default=0.5)
    onset = serializers.DateTimeField(required=False, help_text="Default: now.")
    ramp_minutes = serializers.IntegerField(required=False, default=0)
    end = serializers.DateTimeField(required=False, allow_null=True)
    mode = serializers.CharField(
        required=False, allow_null=True, default=None,
        help_text="The fault's form, validated as the spec's faults[].mode: " + "; ".join(
            f"{kind}: {', '.join(modes)}" for kind, modes in FAULT_MODES.items())
        + " (first is the default); only these kinds take one.")
    magnitude = serializers.FloatField(
        required=False, allow_null=True, default=None,
        help_text="Validated as the spec's faults[].magnitude: "
                  + Fault.model_fields["magnitude"].description + ". Null: the default.")


class FaultEpisodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    target = serializers.CharField()
    severity = serializers.FloatField()
    onset = serializers.DateTimeField()
    ramp_minutes = serializers.IntegerField()
    end = serializers.DateTimeField(allow_null=True)
    # faults_runtime.describe sets these: the row's stored form, the spec's for an old row.
    mode = serializers.CharField(source="effective_mode", allow_null=True, help_text=MODES_HELP)
    magnitude = serializers.FloatField(
        source="effective_magnitude", allow_null=True,
        help_text="The size at severity 1 in the kind's unit: the one given, else the kind's"
                  " default; null for kinds without one.")
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
