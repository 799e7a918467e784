"""An org's entities as Haystack sees them.

`id` is core.entity.id as a Ref carrying the entity's `dis`; every enabled tag of
core.entity_tag becomes a Haystack value (markers, Numbers with units, Refs with dis, Strs,
Bools, coords, DateTimes); points with `cur` carry curVal/curStatus from the org's
`_current` table. A building is some hundreds of entities: loaded per request, in memory.
"""

import json
import math
from datetime import timezone as dt_timezone

import numpy as np
import rusty_haystack as hs
from django.db.models import Subquery

from ..models import Entity, EntityTag, OrgEntityPermission
from ..services.value_databases import multi_writer
from .codecs import hdatetime

MAX_ENTITIES = 100_000  # an org far beyond any building: refuse rather than exhaust memory


class TooLarge(RuntimeError):
    pass


def org_entity_ids(org):
    return (OrgEntityPermission.objects.filter(org_id=org.id)
            .filter(entity_id__in=Entity.objects.filter(disabled_ts__isnull=True).values("id"))
            .values("entity_id"))


def load(org, with_current=True, only=None):
    """{entity id: {tag: Haystack value}} of every enabled entity the org may see (or of those
    of `only`, entity ids; their refs then carry the dis of entities among them only)."""
    visible = org_entity_ids(org)
    if only is not None:
        visible = visible.filter(entity_id__in=[int(i) for i in only])
    rows = (EntityTag.objects.filter(entity_id__in=Subquery(visible),
                                     disabled_ts__isnull=True)
            .values_list("entity_id", "tag__name", "value_n", "value_b", "value_s",
                         "value_ts", "value_dict", "value_ref"))
    records = {}
    for entity_id, name, n, b, s, ts, d, ref in rows.iterator(chunk_size=5000):
        if name is None:
            continue
        record = records.get(entity_id)
        if record is None:
            if len(records) >= MAX_ENTITIES:
                raise TooLarge(f"more than {MAX_ENTITIES} entities")
            record = records[entity_id] = {}
        record[name] = _value(n, b, s, ts, d, ref)
    dis = {i: r.get("dis") if isinstance(r.get("dis"), str) else None for i, r in records.items()}
    for entity_id, record in records.items():
        for name, value in record.items():
            if isinstance(value, _RefTo):
                record[name] = hs.Ref(str(value.id), dis.get(value.id))
        record["id"] = hs.Ref(str(entity_id), dis[entity_id])
    if with_current:
        add_current(org, records)
    return records


class _RefTo:
    __slots__ = ("id",)

    def __init__(self, entity_id):
        self.id = entity_id


def _value(n, b, s, ts, d, ref):
    if ref is not None:
        return _RefTo(ref)
    if n is not None:
        return hs.Number(float(n), s or None)
    if b is not None:
        return bool(b)
    if d is not None:
        return _from_hayson(d)
    if ts is not None:
        return hdatetime(ts, dt_timezone.utc, "UTC")
    if s is not None:
        return s
    return hs.Marker()


def _from_hayson(value):
    try:
        return hs.decode_scalar("application/json", json.dumps(value))
    except Exception:
        return json.dumps(value)  # not Hayson: keep it readable as a Str rather than lose it


def add_current(org, records):
    """curVal / curStatus of the `cur` points from the primary's `_current` table."""
    points = [i for i, r in records.items() if "cur" in r and "point" in r]
    if not points:
        return
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(org.key, entity_ids=points, current=True)
    finally:
        writer.close()
    for i in range(len(rows)):
        record = records.get(int(rows.entity_id[i]))
        if record is None:
            continue
        value = current_value(record, rows.value_n[i], rows.value_b[i])
        if value is not None:
            record["curVal"] = value
        status = rows.status_names[rows.status[i]] if rows.status[i] >= 0 else "ok"
        record["curStatus"] = status if value is not None or status != "ok" else "unknown"


def current_value(record, number, flag):
    if record.get("kind") == "Bool" or flag >= 0:
        return None if flag < 0 else bool(flag)
    if number is None or (isinstance(number, float) and math.isnan(number)) or np.isnan(number):
        return None
    unit = record.get("unit")
    return hs.Number(float(number), unit if isinstance(unit, str) else None)


def sort_key(record):
    ref = record.get("id")
    try:
        return int(ref.val)
    except (AttributeError, ValueError):
        return 0
