"""The newest value of each of a simulator's points, from the primary's `_current` table."""

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from ..models import SimulatorEntity
from .value_databases import multi_writer


@dataclass
class CurrentValue:
    key: str
    entity_id: int
    ts: datetime
    value: object
    status: str


def current_values(simulator):
    """[CurrentValue] in catalogue-key order; points that never had a row are left out."""
    keys = dict(
        SimulatorEntity.objects.filter(
            simulator=simulator, is_point=True, disabled_at__isnull=True
        ).values_list("entity_id", "key")
    )
    if not keys:
        return []
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(simulator.org.key, entity_ids=list(keys), current=True)
    finally:
        writer.close()
    out = []
    for i in range(len(rows)):
        number, flag = rows.value_n[i], rows.value_b[i]
        value = bool(flag) if flag >= 0 else (None if np.isnan(number) else float(number))
        out.append(CurrentValue(
            key=keys[int(rows.entity_id[i])],
            entity_id=int(rows.entity_id[i]),
            ts=datetime.fromtimestamp(int(rows.ts[i]) / 1e6, tz=timezone.utc),
            value=value,
            status=rows.status_names[rows.status[i]] if rows.status[i] >= 0 else "",
        ))
    return sorted(out, key=lambda v: v.key)
