"""Fault labels as data: every episode that shaped a simulator's data in a window.

Labels come from the engine (`engine.faults.episodes`, the code behind `engine.labels`) run on
the spec of each configuration epoch (services.config_epochs), clipped to the epoch: rows
generated under an old spec keep that spec's faults after the spec changed. An episode that
continues across a change (in both specs) is one label again after the merge.

A label: kind, entity (catalogue key: equipment, or the point of a sensor bias), entity_id,
points (the affected points: the biased point, else every point of the equipment), start,
end (None while open-ended), severity, point, magnitude and mode (the engine label's point and
magnitude, the fault's form: `label_fields`), source ("injected" for faults injected at run
time, else "spec"). An injected episode names the spec fault it became by kind, target, onset
and severity, and by the mode and magnitude its row stores (a row written before migration
0011 stores none: the first four alone name it), so a spec fault that differs from it only in
its form is not labelled "injected".
"""

import json
from functools import lru_cache

from .. import engine
from ..engine import faults as engine_faults
from ..engine.faults import FAULT_TARGETS, episodes
from ..models import FaultEpisode, SimulatorEntity
from .config_epochs import epochs
from .errors import ServiceError
from .intervals import to_epoch


@lru_cache(maxsize=32)
def _points_by_equip(spec_json):
    out = {}
    for point in engine.catalogue(json.loads(spec_json)).points:
        out.setdefault(point.equip, []).append(point.key)
    return out


def affected_points(spec, fault, entity):
    if fault.type == "sensor_bias":
        return [entity]
    by_equip = _points_by_equip(json.dumps(spec.to_dict(), sort_keys=True))
    return list(by_equip.get(entity, []))


def injected_keys(simulator):
    """{(kind, target, onset s, severity): {(mode, magnitude) | None}} of the episodes injected
    into the simulator: each the form its row stores, None for a row that stores none (written
    before migration 0011; any form matches it)."""
    out = {}
    for e in FaultEpisode.objects.filter(simulator=simulator):
        out.setdefault((e.kind, e.target, to_epoch(e.onset), float(e.severity)),
                       set()).add(e.recorded_form())
    return out


def is_injected(injected, fault, label):
    """Whether the spec fault behind `label` is one injected at run time (`injected_keys`)."""
    form = (engine_faults.mode(fault), engine_faults.magnitude(fault))
    for key in ((label.fault, label.entity, label.start, label.severity),
                (fault.type, fault.equip, label.start, label.severity)):
        forms = injected.get(key)
        if forms and (None in forms or form in forms):
            return True
    return False


def entity_id_map(simulator):
    """key -> entity id, enabled rows preferred (a disabled one still names old data)."""
    rows = SimulatorEntity.objects.filter(simulator=simulator).order_by(
        "-disabled_at").values_list("key", "entity_id", "disabled_at")
    ids = {}
    for key, entity_id, disabled_at in rows:
        if key not in ids or disabled_at is None:
            ids[key] = entity_id
    return ids


def label_fields(label):
    """What the engine's label says beyond kind, entity and times: point (a point-level fault's point, or the point an anomaly degrades), magnitude (the
    size at the episode's severity in the kind's unit, faults.MAGNITUDES; an anomaly's drift
    or run length), mode (faults.FAULT_MODES; None for kinds with one form and anomalies).
    hsim_generate --labels writes the same."""
    return {"severity": label.severity, "point": label.point, "magnitude": label.magnitude,
            "mode": label.mode}


ANOMALY_MAX_SECONDS = 31 * 86400  # anomaly labels are per point: a month at most per request


def anomaly_labels(spec, lo, hi, epoch_start, epoch_end):
    """Data-quality anomalies (drift, stale, dropout, outage) the engine labels in [lo, hi):
    everything `engine.labels` reports beyond the fault episodes (nothing where the engine
    labels faults only), clipped to the epoch."""
    step = spec.interval_seconds
    a, b = lo - lo % step, -(-hi // step) * step
    out = []
    for label in engine.labels(spec, a, b):
        if label.fault in FAULT_TARGETS or label.end <= lo or label.start >= hi:
            continue
        point = getattr(label, "point", None)
        out.append({
            "kind": label.fault, "entity": label.entity,
            "points": [point] if point else _points_by_equip(
                json.dumps(spec.to_dict(), sort_keys=True)).get(label.entity, []),
            "start": label.start if epoch_start is None else max(label.start, epoch_start),
            "end": label.end if epoch_end is None else min(label.end, epoch_end),
            **label_fields(label), "source": "spec",
        })
    return out


def labels(simulator, start, end, anomalies=False):
    """[label dict] of the episodes overlapping [start, end) (epoch seconds), by start; with
    `anomalies`, the data-quality anomalies too (a window of at most a month)."""
    if anomalies and end - start > ANOMALY_MAX_SECONDS:
        raise ServiceError({"end": "anomaly labels cover at most 31 days per request"})
    injected = injected_keys(simulator)
    found = []
    for epoch_start, epoch_end, spec in epochs(simulator):
        lo = start if epoch_start is None else max(start, epoch_start)
        hi = end if epoch_end is None else min(end, epoch_end)
        if lo >= hi:
            continue
        if anomalies:
            found.extend(anomaly_labels(spec, lo, hi, epoch_start, epoch_end))
        for fault, label in episodes(spec, lo, hi):
            own_end = None if fault.end is None else label.end
            if epoch_end is not None:
                own_end = epoch_end if own_end is None else min(own_end, epoch_end)
            found.append({
                "kind": label.fault,
                "entity": label.entity,
                "points": affected_points(spec, fault, label.entity),
                "start": label.start if epoch_start is None else max(label.start, epoch_start),
                "end": own_end,
                **label_fields(label),
                "source": "injected" if is_injected(injected, fault, label) else "spec",
            })
    ids = entity_id_map(simulator)
    merged = merge(found)
    for item in merged:
        item["entity_id"] = ids.get(item["entity"])
    return sorted(merged, key=lambda l: (l["start"], l["kind"], l["entity"]))


def merge(found):
    """Join a label cut at an epoch boundary with its continuation in the next epoch."""
    out, open_ends = [], {}
    for item in found:
        key = (item["kind"], item["entity"], item["severity"], item["mode"], item["magnitude"])
        prev = open_ends.pop((key, item["start"]), None)
        if prev is not None:
            prev["end"] = item["end"]
            if item["source"] == "injected":
                prev["source"] = "injected"
        else:
            prev = dict(item)
            out.append(prev)
        if prev["end"] is not None:
            open_ends[(key, prev["end"])] = prev
    return out
