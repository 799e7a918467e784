"""Small shared fields and checks."""

from rest_framework import serializers

INT4_MAX = 2**31 - 1  # ids are int4 on the platform


def bad_characters(value, path="building_config"):
    """Where a JSON value holds text PostgreSQL cannot store (NUL, lone surrogates)."""
    if isinstance(value, dict):
        for key, item in value.items():
            found = bad_characters(key, path) or bad_characters(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = bad_characters(item, f"{path}.{index}")
            if found:
                return found
    elif isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            return path
    return None


class BuildingConfigField(serializers.DictField):
    """A building spec object (validated in full by the engine's parser in the services)."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if bad_characters(value):
            raise serializers.ValidationError(
                f"{bad_characters(value)} holds NUL or invalid unicode characters")
        return value


class JSONBooleanField(serializers.BooleanField):
    """A boolean that is a JSON `true` or `false`, nothing else: DRF's BooleanField also takes
    "yes", "on", 1 and "1", which for a destructive flag (reset's clear_data) is a guess."""

    default_error_messages = {"invalid": "must be a JSON boolean (true or false)",
                              "null": "must be a JSON boolean (true or false), not null"}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


def interval_field(**kwargs):
    message = "must be a positive number of minutes that divides a day (1440)"
    return serializers.IntegerField(
        min_value=1, max_value=1440,
        error_messages={"min_value": message, "max_value": message},
        help_text="Minutes between intervals; must divide 1440 (1, 5, 15, 60, ...).",
        **kwargs,
    )
