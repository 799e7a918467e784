"""The one rule for times a user gives, on the API and on the command line alike.

ISO-8601 (what `datetime.fromisoformat` reads, as Django's and DRF's parsers do): a time
without an offset is UTC, and a date alone means midnight UTC of that day. So
`2026-01-01`, `2026-01-01T00:00`, `2026-01-01T00:00Z` and `2026-01-01T01:00+01:00` are the
same instant everywhere.
"""

from datetime import timezone

from django.utils.dateparse import parse_datetime

EXAMPLE = "e.g. 2026-01-01T00:00Z, or 2026-01-01 for midnight UTC"


def parse_time(value):
    """An aware UTC datetime from ISO-8601 text; ValueError with the rule otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"must be an ISO-8601 date/time string ({EXAMPLE})")
    try:
        parsed = parse_datetime(value)
    except ValueError:  # well formed but impossible, such as month 13
        parsed = None
    if parsed is None:
        raise ValueError(f"not an ISO-8601 date/time ({EXAMPLE})")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("out of the range of dates") from None
