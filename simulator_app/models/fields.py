"""Field types for the platform's column conventions."""

from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import models
from django.utils import timezone


def core_table(name):
    """`core.<name>` on PostgreSQL, `core_<name>` on SQLite (which has no schemas)."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return f'core"."{name}'
    return f"core_{name}"


class UTCTimestampField(models.DateTimeField):
    """A `timestamp without time zone` column holding UTC, as the platform stores it.

    Django writes aware datetimes (the session time zone is UTC, so they land as UTC wall
    time); reads come back naive and are made aware here so the rest of hsim only ever sees
    aware UTC datetimes.
    """

    def from_db_value(self, value, expression, connection):
        if value is not None and timezone.is_naive(value):
            return value.replace(tzinfo=dt_timezone.utc)
        return value


class NumericField(models.FloatField):
    """An unconstrained `numeric` column read as float."""

    def db_type(self, connection):
        return "numeric"

    def from_db_value(self, value, expression, connection):
        return None if value is None else float(value)
