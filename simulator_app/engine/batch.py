"""The engine's output contract, shared by the engine (producer) and storage (consumer).

A batch is dense: one row per interval, one column per catalogue point. Storage turns it into
long rows (entity_id, ts, value_n, value_b, value_s, status) with vectorised numpy operations.
"""

from dataclasses import dataclass, field

import numpy as np

# Row status written to the value tables' `status` column; `status` arrays hold indexes into
# this tuple (uint8).
STATUSES = ("ok", "stale", "fault", "down")

KIND_NUMBER = "Number"
KIND_BOOL = "Bool"


@dataclass(frozen=True)
class Label:
    """Ground truth for one fault episode: what, on which entity, when, how bad."""

    fault: str
    entity: str  # catalogue key of the equipment (or point) the fault acts on
    start: int  # epoch seconds UTC, inclusive
    end: int  # epoch seconds UTC, exclusive
    severity: float


@dataclass
class Batch:
    ts: np.ndarray  # int64[T], epoch seconds UTC, aligned to the interval, ascending
    points: tuple  # str[P], catalogue point keys, catalogue order
    kinds: tuple  # str[P], KIND_NUMBER or KIND_BOOL
    values: np.ndarray  # float64[T, P]; Bool points hold 0.0/1.0; NaN where absent
    status: np.ndarray  # uint8[T, P], index into STATUSES
    present: np.ndarray  # bool[T, P]; False = dropout, no row is written
    labels: list = field(default_factory=list)  # [Label], episodes overlapping [start, end)

    @property
    def row_count(self) -> int:
        return int(self.present.sum())
