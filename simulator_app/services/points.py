"""A simulator's points and equipment as readers see them: catalogue facts (key, dis, kind,
unit, Haystack tags, equipment), the entity ids they were provisioned as, current values.

The catalogue is the source of the tags (what provisioning stored), built once per distinct
configuration; entity ids come from the simulator's entity map (enabled rows only).
"""

from dataclasses import dataclass
from functools import lru_cache

from .. import engine
from ..models import SimulatorEntity
from .current_values import current_values
from .simulator_config import spec_of_config


@lru_cache(maxsize=64)
def catalogue_of_config(config_text):
    return engine.catalogue(spec_of_config(config_text))


def catalogue_of(simulator):
    return catalogue_of_config(simulator.config)


@dataclass(frozen=True)
class PointFilter:
    equip: str | None = None
    tags: tuple = ()
    keys: tuple = ()

    def matches(self, point):
        if self.equip is not None and point.equip != self.equip:
            return False
        if self.keys and point.key not in self.keys:
            return False
        return all(tag in point.tags for tag in self.tags)

    @property
    def empty(self):
        return self.equip is None and not self.tags and not self.keys


def entity_ids(simulator):
    """{catalogue key: entity id} of the simulator's enabled entities (points and others)."""
    return dict(
        SimulatorEntity.objects.filter(simulator=simulator, disabled_at__isnull=True)
        .values_list("key", "entity_id")
    )


def matching_points(simulator, wanted=PointFilter()):
    """[(Point, entity_id)] in catalogue order; points without an entity are left out."""
    ids = entity_ids(simulator)
    return [(p, ids[p.key]) for p in catalogue_of(simulator).points
            if p.key in ids and wanted.matches(p)]


def point_rows(simulator, wanted=PointFilter()):
    """The points endpoint's rows: catalogue facts, entity id and current value."""
    catalogue = catalogue_of(simulator)
    found = matching_points(simulator, wanted)
    current = {c.key: c for c in current_values(simulator)} if found else {}
    rows = []
    for point, entity_id in found:
        equip = catalogue.entity_index.get(point.equip)
        now = current.get(point.key)
        rows.append({
            "entity_id": entity_id,
            "key": point.key,
            "dis": point.dis,
            "kind": point.kind,
            "unit": point.unit,
            "equip": point.equip,
            "equip_dis": equip.dis if equip else None,
            "tags": point.tags,
            "cur_val": now.value if now else None,
            "cur_status": now.status if now else None,
            "cur_ts": now.ts if now else None,
        })
    return rows


def equipment_rows(simulator):
    """Entities that carry points (equipment and the weather station), catalogue order."""
    catalogue = catalogue_of(simulator)
    counts = {}
    for point, _ in matching_points(simulator):
        counts[point.equip] = counts.get(point.equip, 0) + 1
    rows = []
    for entity in catalogue.entities:
        if entity.key not in counts:
            continue
        rows.append({
            "key": entity.key,
            "dis": entity.dis,
            "type": entity.type,
            "markers": sorted(n for n, v in entity.tags.items()
                              if engine.tag_kind(v) == "marker"),
            "tags": entity.tags,
            "point_count": counts[entity.key],
        })
    return rows
