"""A spec compiled for generation: point keys, index arrays and per-point constants.

Compiling is pure and cached per spec, so a tick of a running simulator does not rebuild the
catalogue every interval. A worker serving a fleet holds one Model per building it meets, so
a Model keeps only what generation reads: not the catalogue's tag dicts (most of a
catalogue's memory), and point keys and equipment keys as interned strings, which every
building of a fleet shares (the same keys recur across buildings).

The cache holds MODEL_CACHE_SIZE models (env HSIM_MODEL_CACHE_SIZE, or `set_cache_size`):
size it to the buildings one worker process serves, or most of its ticks compile.
"""

import os
import sys
import threading
from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from . import quality, rng
from .catalogue import build
from .layout import Layout
from .spec import Spec

DEFAULT_CACHE_SIZE = 4096

# A catalogue point as generation reads it (faults.meter_faults: equip and column).
PointRow = namedtuple("PointRow", "key equip column")


class PointTable:
    """The catalogue's points without their tags, index-aligned with `Catalogue.points`:
    what a tick reads of the catalogue (`point_index`, and `points` for meter faults)."""

    __slots__ = ("keys", "equips", "columns", "__dict__")

    def __init__(self, keys, equips, columns):
        self.keys, self.equips, self.columns = keys, equips, columns

    @cached_property
    def point_index(self):
        return {k: i for i, k in enumerate(self.keys)}

    @property
    def points(self):
        """Built on demand (only a building with a meter fault reads them, once a block)."""
        return tuple(map(PointRow, self.keys, self.equips, self.columns))


@dataclass
class Model:
    spec: Spec
    layout: Layout
    catalogue: PointTable  # the catalogue's points without tags (engine.catalogue has them)
    keys: tuple
    kinds: tuple
    key_hashes: np.ndarray  # uint64 [P]
    totals: np.ndarray  # indexes of totalizer points
    total_rates: np.ndarray  # for each, the index of the point whose true value it integrates
    total_per_second: np.ndarray
    quality: quality.QualityPlan
    cfm_max: np.ndarray  # [Z]
    zone_ahu: np.ndarray  # [Z]
    control_sensors: dict  # "zone" [Z] / "sat" [A] / "oat" [A]: points the controls read
    sensor_keys: tuple = ()  # keys of quality.sensors, in that order (their held readings)
    # Each signal's points: (name, point slice or indexes, number of leading columns or the
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
        # As many slots as the model cache: more would keep evicted models alive.
        while _by_identity and len(_by_identity) >= _compile.cache_parameters()["maxsize"]:
            del _by_identity[next(iter(_by_identity))]  # the oldest entry
        _by_identity[id(spec)] = (spec, model)  # holding the spec keeps its id from reuse
    return model


_by_identity = {}
_identity_lock = threading.Lock()


def _cache_size_from_env():
    try:
        return max(1, int(os.environ.get("HSIM_MODEL_CACHE_SIZE", DEFAULT_CACHE_SIZE)))
    except ValueError:
        return DEFAULT_CACHE_SIZE


def _compile_uncached(spec_json):
    spec = Spec.model_validate_json(spec_json)
    layout = Layout.of(spec)
    catalogue = build(spec)
    points = catalogue.points
    groups, totals, rate_of = {}, [], {}
    for i, p in enumerate(points):  # one pass: signal groups, totalizers, the rate of each
        if p.per_second is None:
            group = groups.get(p.signal)
            if group is None:
                group = groups[p.signal] = ([], [])
            group[0].append(i)
            group[1].append(p.column)
            rate_of.setdefault((p.equip, p.signal), i)
        else:
            totals.append(i)
    intern = sys.intern  # keys recur across buildings: one string each for the whole worker
    table = PointTable(
        keys=tuple(intern(p.key) for p in points),
        equips=tuple(intern(p.equip) for p in points),
        columns=tuple(p.column for p in points),
    )
    keys = table.keys
    key_hashes = rng.key_hashes(keys)
    quality_plan = quality.plan(spec, catalogue, key_hashes)
    return Model(
        spec=spec,
        layout=layout,
        catalogue=table,
        keys=keys,
        kinds=tuple(intern(p.kind) for p in points),
        key_hashes=key_hashes,
        totals=np.array(totals, dtype=np.int64),
        total_rates=np.array([rate_of[(points[i].equip, points[i].signal)] for i in totals]),
        total_per_second=np.array([points[i].per_second for i in totals]),
        quality=quality_plan,
        cfm_max=np.full(len(layout.zones), spec.equipment.vav_max_cfm),
        zone_ahu=np.array([z.ahu for z in layout.zones]),
        control_sensors={
            "zone": _indexes(table, [f"{z.key}.zone-temp" for z in layout.zones]),
            "sat": _indexes(table, [f"{a}.discharge-air-temp" for a in layout.ahus]),
            "oat": _indexes(table, [f"{a}.outside-air-temp" for a in layout.ahus]),
        },
        sensor_keys=tuple(keys[i] for i in quality_plan.sensors),
        signal_copies=tuple(_signal_copies(groups)),
    )


_compile = lru_cache(maxsize=_cache_size_from_env())(_compile_uncached)


def set_cache_size(size):
    """Hold `size` compiled models (the cache starts empty again)."""
    global _compile
    size = max(1, int(size))
    if size != _compile.cache_parameters()["maxsize"]:
        with _identity_lock:
            _compile = lru_cache(maxsize=size)(_compile_uncached)
            _by_identity.clear()


def cache_info():
    """functools' CacheInfo of the model cache: hits, misses (compiles), maxsize, currsize."""
    return _compile.cache_info()


def _signal_copies(groups):
    for name, (idx, cols) in groups.items():
        # idx is increasing (catalogue order): a run exactly when it spans its length
        dest = slice(idx[0], idx[-1] + 1) if idx[-1] - idx[0] + 1 == len(idx) \
            else np.array(idx)
        lead = len(cols) if cols == list(range(len(cols))) else np.array(cols)
        yield name, dest, lead


def _indexes(catalogue, keys):
    return np.array([catalogue.point_index[k] for k in keys], dtype=np.int64)
