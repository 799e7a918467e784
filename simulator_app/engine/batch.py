"""The engine's output contract, shared by the engine (producer) and storage (consumer).

A batch is dense: one row per interval, one column per catalogue point. Storage turns it into
long rows (entity_id, ts, value_n, value_b, value_s, status) with vectorised numpy operations.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Row status written to the value tables' `status` column; `status` arrays hold indexes into
# this tuple (uint8).
STATUSES = ("ok", "stale", "fault", "down")

KIND_NUMBER = "Number"
KIND_BOOL = "Bool"


@dataclass(frozen=True)
class Label:
    """Ground truth for one fault episode or data-quality anomaly: what, on which entity,
    when, how bad.

    Faults (faults.FAULT_TARGETS kinds): `entity` is the equipment (a biased sensor's point
    for sensor_bias); `point` names the point a point-level fault acts on (sensor_bias, the
    duct static sensor), None for equipment-level faults; `magnitude` is the size the physics
    applies once the onset ramp is done, in the kind's unit (faults.MAGNITUDES says per kind:
    °F of bias, share of capacity lost, the factor a meter reads, % a valve is stuck at ...),
    None for kinds without a size; `mode` is the fault's form where its kind has several
    (spec.FAULT_MODES), else None. Anomalies (quality.ANOMALY_KINDS: drift, stale, dropout,
    outage) name the point they degrade (`entity` = `point`; an outage names its equipment
    and no point) and a magnitude: drift per year in the point's unit, or the run's length in
    intervals; their mode is None.
    """

    fault: str  # the kind
    entity: str  # catalogue key of the equipment (or point) the fault acts on
    start: int  # epoch seconds UTC, inclusive
    end: int  # epoch seconds UTC, exclusive
    severity: float
    point: str | None = None
    magnitude: float | None = None
    mode: str | None = None


class LazyLabels(Sequence):
    """The labels of a window, computed when first read: writing a batch never pays for
    the anomaly labels, and reading them gives exactly engine.labels(spec, start, end)."""

    def __init__(self, compute):
        self._compute, self._items = compute, None

    def _list(self):
        if self._items is None:
            self._items = list(self._compute())
        return self._items

    def __getitem__(self, i):
        return self._list()[i]

    def __len__(self):
        return len(self._list())

    def __eq__(self, other):
        return self._list() == list(other)

    def __repr__(self):
        return repr(self._list())


@dataclass
class Batch:
    ts: np.ndarray  # int64[T], epoch seconds UTC, aligned to the interval, ascending
    points: tuple  # str[P], catalogue point keys, catalogue order
    kinds: tuple  # str[P], KIND_NUMBER or KIND_BOOL
    values: np.ndarray  # float64[T, P]; Bool points hold 0.0/1.0; NaN where absent
    status: np.ndarray  # uint8[T, P], index into STATUSES
    present: np.ndarray  # bool[T, P]; False = dropout, no row is written
    # [Label] (a list, or LazyLabels), episodes and anomalies overlapping [start, end)
    labels: Sequence = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return int(self.present.sum())
