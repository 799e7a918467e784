"""`POST /bulk/value`: validate the platform's payload, check visibility, write everywhere.

The upstream API compared the number of *distinct* visible entities with the number of
entity ids *including duplicates*, so every batch with several timestamps per entity got a
403; here visibility is decided on the distinct ids. Everything is checked before anything
is written, so bad input and forbidden entities write nothing anywhere.
"""

import math
from datetime import datetime, timezone

from ..models import OrgEntityPermission
from ..storage import ValueRows
from .errors import ServiceError
from .value_databases import multi_writer

FIELDS = ("ts", "entity_id", "value_n", "value_b", "value_s", "value_ts", "status")
INT4_MAX = 2**31 - 1
MAX_ERRORS = 20  # enough to fix a payload; a 50,000-row mistake must not echo 50,000 lines
MAX_STATUS_LENGTH = 255
MIN_YEAR, MAX_YEAR = 1900, 2999
ID_CHUNK = 5000  # ids per IN (...) query, well under every backend's parameter limit


class EntitiesNotVisible(PermissionError):
    """Some entities of the batch are not visible to the org (HTTP 403); nothing was written."""

    def __init__(self, org, missing):
        self.org = org
        self.missing = sorted(missing)
        shown = ", ".join(str(i) for i in self.missing[:10])
        more = f" and {len(self.missing) - 10} more" if len(self.missing) > 10 else ""
        self.errors = {"entity_id": [f"not visible to org {org.id}: {shown}{more}"]}
        super().__init__(f"{len(self.missing)} entities are not visible to org {org.id}")


def _timestamp_error(value):
    if not isinstance(value, str):
        return "must be an ISO 8601 timestamp string"
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        return f"{value[:40]!r} is not an ISO 8601 timestamp"
    try:
        stamp = stamp.astimezone(timezone.utc) if stamp.tzinfo else stamp
    except OverflowError:
        stamp = stamp.replace(year=1)  # shifted out of datetime's range: refused below
    # Building data lives in a sane range; the edges of datetime's range would also overflow
    # on the way back out (year 0 after a time zone shift).
    if not MIN_YEAR <= stamp.year <= MAX_YEAR:
        return f"must be between the years {MIN_YEAR} and {MAX_YEAR}"
    return None


def _number_error(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "must be a finite number or null"
    try:
        finite = math.isfinite(value)  # a huge JSON integer overflows a float here
    except OverflowError:
        finite = False
    return None if finite else "must be a finite number or null"


def _text_error(value, limit=None):
    if not isinstance(value, str):
        return "must be a string or null"
    if "\x00" in value:  # PostgreSQL text cannot hold NUL: reject it here, not as a 503
        return "must not contain NUL characters"
    if limit and len(value) > limit:
        return f"must be at most {limit} characters"
    return None


def record_errors(record):
    """{field: message} for one `values[]` item; empty when it is well-formed."""
    if not isinstance(record, dict):
        return {"": "must be an object"}
    errors = {key: "unknown field" for key in record if key not in FIELDS}
    entity = record.get("entity_id")
    if entity is None:
        errors["entity_id"] = "is required"
    elif isinstance(entity, bool) or not isinstance(entity, int) or not 0 < entity <= INT4_MAX:
        errors["entity_id"] = "must be a positive 32-bit integer"
    if record.get("ts") is None:
        errors["ts"] = "is required"
    elif message := _timestamp_error(record["ts"]):
        errors["ts"] = message
    if record.get("value_n") is not None and (message := _number_error(record["value_n"])):
        errors["value_n"] = message
    if record.get("value_b") is not None and not isinstance(record["value_b"], bool):
        errors["value_b"] = "must be a boolean or null"
    if record.get("value_s") is not None and (message := _text_error(record["value_s"])):
        errors["value_s"] = message
    if record.get("value_ts") is not None and (message := _timestamp_error(record["value_ts"])):
        errors["value_ts"] = message
    if record.get("status") is not None and (
        message := _text_error(record["status"], MAX_STATUS_LENGTH)
    ):
        errors["status"] = message
    return errors


def parse_values(values):
    """ValueRows of a `values` list, or ServiceError with `values.<i>.<field>` messages."""
    errors = {}
    for i, record in enumerate(values):
        for field, message in record_errors(record).items():
            errors[f"values.{i}.{field}".rstrip(".")] = message
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ServiceError(errors)
    return ValueRows.from_records(values)


def invisible_entities(org, entity_ids):
    """The ids among `entity_ids` the org may not write: no permission, or disabled."""
    wanted = sorted(set(entity_ids))
    visible = set()
    for start in range(0, len(wanted), ID_CHUNK):
        visible.update(
            OrgEntityPermission.objects.filter(
                org_id=org.id,
                entity_id__in=wanted[start:start + ID_CHUNK],
                entity__disabled_ts__isnull=True,
            ).values_list("entity_id", flat=True)
        )
    return set(wanted) - visible


def write_bulk_values(org, values):
    """Validate, check visibility of the distinct entities, write to every value database.

    Returns the rows written (one per entity and timestamp, the last duplicate winning).
    Raises ServiceError (400), EntitiesNotVisible (403), PrimaryDatabaseError (503).
    """
    rows = parse_values(values).dedupe()
    missing = invisible_entities(org, rows.entities().tolist())
    if missing:
        raise EntitiesNotVisible(org, missing)
    if len(rows):
        writer = multi_writer()
        try:
            writer.write(org.key, rows)
        finally:
            writer.close()
    return rows
