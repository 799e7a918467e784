"""Provisioning many new simulators at once: what `provisioning.provision` writes, in bulk.

A default building is 588 entities and ~7,200 tags; written row by row that is ~0.7 s. Here a
batch of buildings costs three statements on PostgreSQL: one INSERT creates the batch's
entities and their org permissions and returns the ids, one COPY writes the key map and one
streams the tags, so a building costs tens of milliseconds. The rows are the same as one-by-one
provisioning writes (a test compares them); SQLite, the embedded default, takes the one-by-one
path.

The tag lines are rendered from fragments cached per (tag, value) — most tags are markers,
kinds, units and refs that every building repeats — and written building by building to a COPY
whose network writes run in psycopg's writer thread, so the server indexes one building's tags
while Python renders the next (on PostgreSQL the entity_tag index upkeep is most of the cost).

Only for simulators that have no entities yet (a fleet's new members): changing an existing
simulator's spec goes through `provisioning.provision`, which diffs.
"""

import json
import threading
import time
from collections import defaultdict

from django.db import connection, transaction
from psycopg.copy import QueuedLibpqWriter

from .. import engine
from ..models import Entity, EntityTag, OrgEntityPermission, SimulatorEntity, TagDef
from . import provisioning
from .tag_defs import ensure_tag_defs
from .tag_values import tag_columns

TAG_COLUMNS = ("entity_id", "tag_id", "value_n", "value_b", "value_s", "value_ts",
               "value_dict", "value_ref")

# Seconds spent per phase, summed over calls (the benchmark prints them per building).
TIMINGS = defaultdict(float)


def catalogue_items(spec):
    """(key, tags, is_point) for every entity and point, in provisioning's order."""
    catalogue = engine.catalogue(spec)
    items = [(e.key, e.tags, False) for e in catalogue.entities]
    # A point's tags already hold its kind and unit (then point_tags would only copy them).
    items += [(p.key, p.tags if "kind" in p.tags and (not p.unit or "unit" in p.tags)
               else provisioning.point_tags(p), True) for p in catalogue.points]
    return items


def provision_new(pairs, chunk=10):
    """Provision [(simulator, spec)] that have no entities yet; returns entities written.

    Runs inside the caller's transaction (or one of its own). The batch goes in chunks of
    `chunk` buildings, pipelined so that Python works while the server indexes (the server is
    the bottleneck): a chunk's tag lines are rendered building by building into its COPY, and
    the next chunk's catalogues are built while the server is still on its tags.
    """
    if connection.vendor != "postgresql":
        return sum(provisioning.provision(sim, spec)["entities"] for sim, spec in pairs)
    pairs = list(pairs)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        lines = _tag_lines()
        tag_ids = lines.tag_ids
        built = _catalogues(pairs[:chunk])
        for at in range(0, len(pairs), chunk):
            began = time.perf_counter()
            known = tag_ids.keys()
            names = {name for _, items in built for _, tags, _ in items
                     if not tags.keys() <= known for name in tags.keys() - known}
            if names:
                tag_ids.update(ensure_tag_defs(names))
            mappings = _create_entities(cursor, built)
            began = _spent("entities_sql", began)
            with _copy(cursor, SimulatorEntity,
                       ("simulator_id", "key", "entity_id", "is_point")) as copy:
                began = _spent("copy_wait", began)
                copy.write("".join(
                    f"{sim.poller_id}\t{_text(key)}\t{mapping[key]}\t{'t' if is_point else 'f'}\n"
                    for (sim, items), mapping in zip(built, mappings)
                    for key, _, is_point in items
                ))
                began = _spent("render", began)
            began = _spent("copy_wait", began)
            with _copy(cursor, EntityTag, TAG_COLUMNS) as copy:
                began = _spent("copy_wait", began)
                for (_, items), mapping in zip(built, mappings):
                    copy.write(lines.building(items, mapping))
                    written += len(mapping)
                _spent("render", began)
                built = _catalogues(pairs[at + chunk:at + 2 * chunk])
                began = time.perf_counter()
            _spent("copy_wait", began)
    return written


_KEPT = threading.local()  # this thread's TagLines, kept from batch to batch


def _tag_lines():
    """The TagLines of the previous batch (what it keeps is most of a fleet's lines) when the
    tag ids it rendered with are still those of this database, else a new one."""
    kept = getattr(_KEPT, "lines", None)
    if kept is not None and kept.tag_ids and len(kept.formats) <= _MAX_KEPT and dict(
            TagDef.objects.filter(name__in=list(kept.tag_ids))
            .values_list("name", "id")) == kept.tag_ids:
        return kept
    _KEPT.lines = TagLines({})
    return _KEPT.lines


def _catalogues(pairs):
    began = time.perf_counter()
    built = [(sim, catalogue_items(spec)) for sim, spec in pairs]
    _spent("catalogue", began)
    return built


def _create_entities(cursor, built):
    """Key -> entity id per building: one INSERT per org creates the entities and the org's
    permissions on them and returns the ids."""
    by_org = defaultdict(list)
    for at, (sim, items) in enumerate(built):
        by_org[(sim.org_id, sim.org.key)].append(at)
    mappings = [None] * len(built)
    for (org_id, value_table), ats in by_org.items():
        count = sum(len(built[at][1]) for at in ats)
        cursor.execute(
            f"WITH e AS (INSERT INTO {_table(Entity)} (value_table_id)"
            f" SELECT %s FROM generate_series(1, %s) RETURNING id),"
            f" p AS (INSERT INTO {_table(OrgEntityPermission)} (org_id, entity_id)"
            f" SELECT %s, id FROM e)"
            f" SELECT id FROM e ORDER BY id",
            [value_table, count, org_id],
        )
        ids = iter([row[0] for row in cursor.fetchall()])
        for at in ats:
            mappings[at] = {key: next(ids) for key, _, _ in built[at][1]}
    return mappings


class TagLines:
    """entity_tag rows as COPY text, rendered from fragments cached per tag and value.

    A line is `<entity id>` + a suffix; the suffix of a marker, kind, unit or number depends
    only on (tag, value), so it is rendered once per batch; refs and strings are rendered per
    row. Anything else takes the generic path (`tag_row`), which defines the format.

    `building` goes further: most entities of a fleet's buildings have the same key and the
    same tags (a VAV's points, an AHU's, the plant's), so an entity's line suffixes are also
    kept together per (key, tz), refs as their heads and keys. They are used when the
    entity's tags equal, in value and order, those they were made from; refs go through the
    mapping, so only ids change. Entities with plain numbers, booleans or dict values
    (floors' floorNum, the site) and those that differ building by building (the weather
    station's points name their site) are rendered tag by tag."""

    def __init__(self, tag_ids):
        self.tag_ids = tag_ids
        self.fixed = {}
        self.ref_heads = {}
        self.str_heads = {}
        self.formats = {}  # (key, tz) -> [tags, names, suffixes, refs, misses] or None

    def building(self, items, mapping):
        out = []
        formats = self.formats
        for key, tags, _ in items:
            slot = (key, tags.get("tz"))
            entry = formats.get(slot, False)
            if entry:
                if entry[0] == tags and entry[1] == tuple(tags):
                    out.append(self._lines(entry, str(mapping[key]), mapping))
                    continue
                entry[4] += 1
                if entry[4] > _MAX_MISSES:  # this key's tags vary building by building
                    formats[slot] = None
                    entry = None
            if entry is None:
                out.append(self.entity(mapping[key], tags, mapping))
                continue
            compiled = self._compile(tags)
            if compiled is None:
                formats[slot] = None
                out.append(self.entity(mapping[key], tags, mapping))
                continue
            if slot in formats:  # a miss: the newer tags replace the older ones
                formats[slot][:4] = compiled
            else:
                formats[slot] = compiled = [*compiled, 0]
            out.append(self._lines(compiled, str(mapping[key]), mapping))
        return "".join(out)

    @staticmethod
    def _lines(entry, prefix, mapping):
        suffixes = entry[2]
        if entry[3]:
            suffixes = suffixes.copy()
            for at, head, target in entry[3]:
                suffixes[at] = f"{head}{mapping[target]}\n"
        return prefix + prefix.join(suffixes)

    def _compile(self, tags):
        """[tags, names, line suffixes, refs as (index, head, key)] for an entity's lines,
        or None when a value's rendering is not fixed by equality (plain numbers and
        booleans: 1 == 1.0 == True; dicts other than markers, refs and numbers)."""
        refs = []
        suffixes = []
        for name, value in tags.items():
            kind = type(value)
            if kind is dict:
                tag_kind = value.get("_kind")
                if tag_kind == "ref":
                    head = self.ref_heads.get(name) or self._head(self.ref_heads, name, 5)
                    refs.append((len(suffixes), head, value["val"]))
                    suffixes.append(None)
                    continue
                if tag_kind not in ("marker", "number"):
                    return None
            elif kind is not str:
                return None
            suffixes.append(self.entity(0, {name: value}, None)[1:])  # the line after "0"
        return [tags, tuple(tags), suffixes, tuple(refs)]

    def entity(self, entity_id, tags, mapping):
        parts = []
        for name, value in tags.items():
            kind = type(value)
            if kind is dict:
                tag_kind = value["_kind"]
                if tag_kind == "ref":
                    head = self.ref_heads.get(name) or self._head(self.ref_heads, name, 5)
                    parts.append(f"{head}{mapping[value['val']]}\n")
                    continue
                key = (name, tag_kind, value.get("val"), value.get("unit")) \
                    if tag_kind in ("marker", "number") else None
            elif kind is str:
                head = self.str_heads.get(name) or self._head(self.str_heads, name, 2)
                parts.append(f"{head}{value.translate(_ESCAPES)}\t\\N\t\\N\t\\N\n")
                continue
            else:
                key = (name, kind, value) if kind in (bool, int, float) else None
            suffix = self.fixed.get(key) if key is not None else None
            if suffix is None:
                row = tag_row(0, self.tag_ids[name], tag_columns(value, mapping))
                suffix = "\t" + "\t".join(map(_text, row[1:])) + "\n"
                if key is not None:
                    self.fixed[key] = suffix
            parts.append(suffix)
        prefix = str(entity_id)
        return prefix + prefix.join(parts)

    def _head(self, heads, name, nulls):
        """`\\t<tag id>` and `nulls` NULL fields: a ref's (or a string's) line up to its value."""
        heads[name] = f"\t{self.tag_ids[name]}" + "\t\\N" * nulls + "\t"
        return heads[name]


def tag_row(entity_id, tag_id, columns):
    """The TAG_COLUMNS values of one entity_tag row (the generic rendering)."""
    row = [entity_id, tag_id]
    for name in TAG_COLUMNS[2:]:
        value = columns.get(name)
        row.append(json.dumps(value) if name == "value_dict" and value is not None else value)
    return row


def analyze_catalogue():
    """Fresh planner statistics after a bulk load: without them the tag sync of a later
    re-provisioning degrades to a full scan of entity_tag (558 ms at 7 M rows instead of 6)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Entity, EntityTag, OrgEntityPermission, SimulatorEntity):
            cursor.execute(f"ANALYZE {_table(model)}")


_MAX_MISSES = 2  # tags of a (key, tz) that changed this often are rendered tag by tag
_MAX_KEPT = 20_000  # (key, tz) entries a kept TagLines may hold (~2.5 KB each; then anew)

_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _text(value):
    """One field in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return repr(value) if isinstance(value, float) else str(value)


def line(row):
    return "\t".join(map(_text, row)) + "\n"


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _spent(phase, began):
    """Add the time since `began` to `phase`; returns now."""
    now = time.perf_counter()
    TIMINGS[phase] += now - began
    return now


def _copy(cursor, model, columns):
    """A COPY in text format whose writes go through psycopg's writer thread, so the caller
    goes on (rendering, building catalogues) while the server works on what it was sent."""
    sql = f"COPY {_table(model)} ({', '.join(columns)}) FROM STDIN"
    return cursor.cursor.copy(sql, writer=QueuedLibpqWriter(cursor.cursor))
