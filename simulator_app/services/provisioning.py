"""Writes a simulator's catalogue into core.entity / core.entity_tag, idempotently.

Provisioning the same spec twice changes nothing. A changed spec adds the entities and tags
that are new and disables (`disabled_ts`) those that disappeared or changed value; nothing
is deleted, so history keeps its meaning.
"""

from django.db import transaction
from django.utils import timezone

from .. import engine
from ..models import Entity, EntityTag, OrgEntityPermission, SimulatorEntity
from .tag_defs import ensure_tag_defs
from .tag_values import tag_columns

VALUE_FIELDS = ("value_n", "value_b", "value_s", "value_ts", "value_dict", "value_ref")


def provision(simulator, spec, now=None):
    now = now or timezone.now()
    catalogue = engine.catalogue(spec)
    items = [(e.key, e.tags, False) for e in catalogue.entities]
    items += [(p.key, point_tags(p), True) for p in catalogue.points]
    with transaction.atomic():
        mapping = entity_map(simulator, items, now)
        tag_ids = ensure_tag_defs({name for _, tags, _ in items for name in tags})
        added_tags, disabled_tags = sync_tags(items, mapping, tag_ids, now)
        OrgEntityPermission.objects.bulk_create(
            [OrgEntityPermission(org_id=simulator.org_id, entity_id=i) for i in mapping.values()],
            ignore_conflicts=True,
        )
        disabled = disable_missing(simulator, {key for key, _, _ in items}, now)
    return {
        "entities": len(mapping),
        "added": mapping.added,
        "disabled": disabled,
        "tags_added": added_tags,
        "tags_disabled": disabled_tags,
    }


def point_tags(point):
    """The catalogue point's tags, with its kind and unit as the tags Haystack defines."""
    tags = dict(point.tags)
    tags.setdefault("kind", point.kind)
    if point.unit:
        tags.setdefault("unit", point.unit)
    return tags


class EntityMap(dict):
    added = 0


def entity_map(simulator, items, now):
    """key -> entity id, creating entities (and map rows) for keys seen for the first time."""
    rows = {
        m.key: m
        for m in SimulatorEntity.objects.select_for_update().filter(simulator=simulator)
    }
    mapping = EntityMap({key: m.entity_id for key, m in rows.items() if m.disabled_at is None})
    new = [(key, is_point) for key, _, is_point in items if key not in mapping]
    if new:
        entities = Entity.objects.bulk_create(
            [Entity(value_table_id=simulator.org.key) for _ in new]
        )
        for (key, is_point), entity in zip(new, entities):
            mapping[key] = entity.id
            if key in rows:  # re-enabled key: a new entity, the old one stays disabled
                rows[key].entity_id, rows[key].disabled_at = entity.id, None
                rows[key].save(update_fields=["entity", "disabled_at"])
            else:
                SimulatorEntity.objects.create(
                    simulator=simulator, key=key, entity_id=entity.id, is_point=is_point
                )
        mapping.added = len(new)
    return mapping


def sync_tags(items, mapping, tag_ids, now):
    current = {}
    for tag in EntityTag.objects.filter(
        entity_id__in=list(mapping.values()), disabled_ts__isnull=True
    ):
        current[(tag.entity_id, tag.tag_id)] = tag
    wanted = {}
    for key, tags, _ in items:
        entity_id = mapping[key]
        for name, value in tags.items():
            wanted[(entity_id, tag_ids[name])] = tag_columns(value, mapping)
    stale = {k for k, tag in current.items() if k not in wanted or columns_of(tag) != wanted[k]}
    EntityTag.objects.filter(id__in=[current[k].id for k in stale]).update(disabled_ts=now)
    fresh = [
        EntityTag(entity_id=entity_id, tag_id=tag_id, **columns)
        for (entity_id, tag_id), columns in wanted.items()
        if (entity_id, tag_id) not in current or (entity_id, tag_id) in stale
    ]
    EntityTag.objects.bulk_create(fresh, batch_size=2000)
    return len(fresh), len(stale)


def columns_of(tag):
    return {f: getattr(tag, f) for f in VALUE_FIELDS if getattr(tag, f) is not None}


def disable_missing(simulator, keys, now):
    gone = SimulatorEntity.objects.filter(simulator=simulator, disabled_at__isnull=True).exclude(
        key__in=keys
    )
    entity_ids = list(gone.values_list("entity_id", flat=True))
    if not entity_ids:
        return 0
    Entity.objects.filter(id__in=entity_ids).update(disabled_ts=now)
    EntityTag.objects.filter(entity_id__in=entity_ids, disabled_ts__isnull=True).update(
        disabled_ts=now
    )
    return gone.update(disabled_at=now)
