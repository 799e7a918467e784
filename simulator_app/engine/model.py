"""A spec compiled for generation: catalogue, index arrays and per-point constants.

Compiling is pure and cached per spec, so a tick of a running simulator does not rebuild the
catalogue every interval.
"""

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import quality, rng
from .catalogue import Catalogue, build
from .layout import Layout
from .spec import Spec


@dataclass
class Model:
    spec: Spec
    layout: Layout
    catalogue: Catalogue
    keys: tuple
    kinds: tuple
    key_hashes: np.ndarray  # uint64 [P]
    signals: list  # [(signal name, point indexes, columns)]
    totals: np.ndarray  # indexes of totalizer points
    total_rates: np.ndarray  # for each, the index of the point whose true value it integrates
    total_per_second: np.ndarray
    quality: quality.QualityPlan
    cfm_max: np.ndarray  # [Z]
    zone_ahu: np.ndarray  # [Z]
    control_sensors: dict  # "zone" [Z] / "sat" [A] / "oat" [A]: points the controls read
    sensor_keys: tuple = ()  # keys of quality.sensors, in that order (their held readings)
    # `signals` as copies: (name, point slice or indexes, number of leading columns or the
    # column indexes): slices where the indexes are a run, so a tick copies without gathers.
    signal_copies: tuple = ()


def compile_spec(spec):
    """The spec's Model. A Spec is never changed in place once built (every variant is a
    model_copy), so one seen before is recognised by identity: serialising it to find the
    cached Model cost more than some of the physics of a 15-minute tick."""
    hit = _by_identity.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    model = _compile(spec.model_dump_json())
    with _identity_lock:
        while len(_by_identity) >= _IDENTITY_SLOTS:
            del _by_identity[next(iter(_by_identity))]  # the oldest entry
        _by_identity[id(spec)] = (spec, model)  # holding the spec keeps its id from reuse
    return model


_IDENTITY_SLOTS = 32
_by_identity = {}
_identity_lock = threading.Lock()


@lru_cache(maxsize=32)
def _compile(spec_json):
    spec = Spec.model_validate_json(spec_json)
    layout = Layout.of(spec)
    catalogue = build(spec)
    points = catalogue.points
    groups = {}
    for i, p in enumerate(points):
        if p.per_second is None:
            groups.setdefault(p.signal, ([], []))
            groups[p.signal][0].append(i)
            groups[p.signal][1].append(p.column)
    totals = [i for i, p in enumerate(points) if p.per_second is not None]
    rate_of = {}
    for i, p in enumerate(points):
        if p.per_second is None:
            rate_of.setdefault((p.equip, p.signal), i)
    key_hashes = rng.key_hashes([p.key for p in points])
    quality_plan = quality.plan(spec, catalogue, key_hashes)
    return Model(
        spec=spec,
        layout=layout,
        catalogue=catalogue,
        keys=tuple(p.key for p in points),
        kinds=tuple(p.kind for p in points),
        key_hashes=key_hashes,
        signals=[(name, np.array(idx), np.array(cols)) for name, (idx, cols) in groups.items()],
        totals=np.array(totals, dtype=np.int64),
        total_rates=np.array([rate_of[(points[i].equip, points[i].signal)] for i in totals]),
        total_per_second=np.array([points[i].per_second for i in totals]),
        quality=quality_plan,
        cfm_max=np.full(len(layout.zones), spec.equipment.vav_max_cfm),
        zone_ahu=np.array([z.ahu for z in layout.zones]),
        control_sensors={
            "zone": _indexes(catalogue, [f"{z.key}.zone-temp" for z in layout.zones]),
            "sat": _indexes(catalogue, [f"{a}.discharge-air-temp" for a in layout.ahus]),
            "oat": _indexes(catalogue, [f"{a}.outside-air-temp" for a in layout.ahus]),
        },
        sensor_keys=tuple(points[i].key for i in quality_plan.sensors),
        signal_copies=tuple(_signal_copies(groups)),
    )


def _signal_copies(groups):
    for name, (idx, cols) in groups.items():
        dest = slice(idx[0], idx[-1] + 1) if idx == list(range(idx[0], idx[-1] + 1)) \
            else np.array(idx)
        lead = len(cols) if cols == list(range(len(cols))) else np.array(cols)
        yield name, dest, lead


def _indexes(catalogue, keys):
    return np.array([catalogue.point_index[k] for k in keys], dtype=np.int64)
