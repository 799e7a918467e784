"""Serializer fields shared by the API's serializers."""

from datetime import datetime

from rest_framework import serializers

from ..services.times import parse_time


class TimeField(serializers.DateTimeField):
    """A time by the rule the command line follows too (services.times): ISO-8601, no offset
    means UTC, a date alone means midnight UTC."""

    def to_internal_value(self, value):
        if isinstance(value, datetime):
            return super().to_internal_value(value)
        try:
            return parse_time(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
