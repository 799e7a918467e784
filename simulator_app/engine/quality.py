"""From true values to what a BMS trend log holds: noise, drift, bias, stale runs, dropouts.

- noise: near-Gaussian (bounded at ±3.5 σ), absolute and/or proportional to the value, keyed by
  (seed, point, interval); proportional-only on flows, power and pressure so equipment that
  is off reads exactly 0.
- drift: a share of temperature/humidity sensors drift linearly and are recalibrated once a
  year at a point-specific date (a sawtooth in absolute time). Where such a sensor feeds a
  control loop (zone, discharge and outside air), physics.py hands the drift to the loop too.
- stale: runs of 1..N intervals that repeat the previous reading, status "stale".
- dropouts: single missing rows, and equipment-wide communication outages of 1..N intervals.
- fault status: only where a BMS would flag it, a reading outside the sensor's range.
Commands, setpoints and totalizers are neither noisy nor stale (totalizers stay integrals).
"""

from dataclasses import dataclass

import numpy as np

from . import rng

OK, STALE, FAULT = 0, 1, 2
YEAR_S = 365 * 86400
INF = np.inf


@dataclass(frozen=True)
class Profile:
    noise_abs: float = 0.0
    noise_rel: float = 0.0
    floor: float = -INF  # physical bounds: clamp silently
    ceiling: float = INF
    lo: float = -INF  # sensor range: outside it the BMS flags a fault
    hi: float = INF
    decimals: int | None = None  # None = full precision
    drift: bool = False
    sensor: bool = False  # eligible for stale runs

    @property
    def noisy(self):
        return self.noise_abs > 0 or self.noise_rel > 0


PROFILES = {
    "air_temp": Profile(0.15, lo=-40, hi=250, decimals=2, drift=True, sensor=True),
    "zone_temp": Profile(0.1, lo=32, hi=120, decimals=2, drift=True, sensor=True),
    "water_temp": Profile(0.1, lo=20, hi=250, decimals=2, drift=True, sensor=True),
    "humidity": Profile(0.8, floor=0, ceiling=100, decimals=1, drift=True, sensor=True),
    "irradiance": Profile(0.5, 0.02, floor=0, decimals=1, sensor=True),
    "wind": Profile(0.3, 0.03, floor=0, decimals=1, sensor=True),
    "barometric": Profile(0.003, floor=0, decimals=2, sensor=True),
    "co2": Profile(6.0, 0.01, floor=0, lo=0, hi=5000, decimals=0, sensor=True),
    "enthalpy": Profile(0.1, lo=-20, hi=100, decimals=2, sensor=True),
    "position": Profile(0.3, floor=0, ceiling=100, decimals=1, sensor=True),
    "airflow": Profile(0, 0.015, floor=0, decimals=1, sensor=True),
    "water_flow": Profile(0, 0.01, floor=0, decimals=1, sensor=True),
    "gas_flow": Profile(0, 0.01, floor=0, decimals=1, sensor=True),
    "power": Profile(0, 0.004, floor=0, decimals=2, sensor=True),
    "pressure": Profile(0, 0.015, floor=0, decimals=3, sensor=True),
    "pf": Profile(0.003, floor=0, ceiling=1, decimals=3, sensor=True),
    "bool_sensor": Profile(sensor=True),
    "command": Profile(decimals=2),
    # Meters show 3 decimals; the state keeps the exact running total, so rounding never
    # accumulates and a resumed run continues from the same value.
    "totalizer": Profile(decimals=3),
}


@dataclass
class QualityPlan:
    """Per-point constants of the quality model, computed once per spec."""

    profiles: list
    noisy: np.ndarray  # indexes of noisy points
    noise_abs: np.ndarray
    noise_rel: np.ndarray
    bounded: np.ndarray  # indexes of points with physical bounds
    floor: np.ndarray  # [len(bounded)]
    ceiling: np.ndarray
    ranged: np.ndarray  # indexes of points with a sensor range
    lo: np.ndarray  # [len(ranged)]
    hi: np.ndarray
    scale: np.ndarray  # [P] 10**decimals (1 where the point keeps full precision)
    exact: np.ndarray  # indexes of the points that keep full precision
    drifting: np.ndarray  # indexes
    drift_rate: np.ndarray  # per year, point units
    drift_offset: np.ndarray  # seconds: recalibration phase
    sensors: np.ndarray  # indexes of stale-eligible points
    equip_of_point: np.ndarray  # index into equip_hashes
    equip_hashes: np.ndarray


def _profile_table():
    """PROFILES as arrays, one row per profile (in PROFILES' order): a plan gathers its
    per-point constants from them instead of looping over the points in Python."""
    names = tuple(PROFILES)
    rows = [PROFILES[n] for n in names]
    column = lambda f, dtype=float: np.array([f(pr) for pr in rows], dtype=dtype)  # noqa: E731
    # Bounds as the Python numbers the profiles hold (np.array of a plan's ints is int64, of
    # floats float64: the plan keeps the dtypes it always had).
    raw = lambda f: np.array([f(pr) for pr in rows], dtype=object)  # noqa: E731
    return {
        "code": {n: i for i, n in enumerate(names)},
        "profiles": rows,
        "noisy": column(lambda pr: pr.noisy, bool),
        "noise_abs": column(lambda pr: pr.noise_abs),
        "noise_rel": column(lambda pr: pr.noise_rel),
        "bounded": column(lambda pr: np.isfinite(pr.floor) or np.isfinite(pr.ceiling), bool),
        "floor": raw(lambda pr: pr.floor),
        "ceiling": raw(lambda pr: pr.ceiling),
        "ranged": column(lambda pr: np.isfinite(pr.lo) or np.isfinite(pr.hi), bool),
        "lo": raw(lambda pr: pr.lo),
        "hi": raw(lambda pr: pr.hi),
        "scale": column(lambda pr: 10.0 ** (pr.decimals or 0)),
        "exact": column(lambda pr: pr.decimals is None, bool),
        "drift": column(lambda pr: pr.drift, bool),
        "sensor": column(lambda pr: pr.sensor, bool),
    }


_TABLE = _profile_table()


def _numbers(values, at):
    """np.array of the Python numbers values[at], as np.array(list) types them."""
    return np.array(values[at].tolist())


def plan(spec, catalogue, key_hashes):
    dq = spec.data_quality
    table = _TABLE
    code = table["code"]
    q = np.fromiter((code[p.quality] for p in catalogue.points), np.int64,
                    len(catalogue.points))
    profiles = list(map(table["profiles"].__getitem__, q.tolist()))
    noisy = np.flatnonzero(table["noisy"][q])
    u = rng.uniform(rng.hashes(spec.seed, rng.DRIFT, key_hashes, np.arange(3))).T  # [P, 3]
    drifts = table["drift"][q] & (u[:, 0] < dq.drift_fraction)
    drifting = np.flatnonzero(drifts)
    bounded = np.flatnonzero(table["bounded"][q])
    ranged = np.flatnonzero(table["ranged"][q])
    point_equips = [p.equip for p in catalogue.points]
    equips = sorted(set(point_equips))
    equip_index = {k: i for i, k in enumerate(equips)}
    return QualityPlan(
        profiles=profiles,
        noisy=noisy,
        noise_abs=table["noise_abs"][q[noisy]] * dq.noise_scale,
        noise_rel=table["noise_rel"][q[noisy]] * dq.noise_scale,
        bounded=bounded,
        floor=_numbers(table["floor"], q[bounded]),
        ceiling=_numbers(table["ceiling"], q[bounded]),
        ranged=ranged,
        lo=_numbers(table["lo"], q[ranged]),
        hi=_numbers(table["hi"], q[ranged]),
        scale=table["scale"][q],
        exact=np.flatnonzero(table["exact"][q]),
        drifting=drifting,
        drift_rate=dq.drift_max_per_year * (2.0 * u[drifting, 1] - 1.0),
        drift_offset=np.floor(u[drifting, 2] * YEAR_S).astype(np.int64),
        sensors=np.flatnonzero(table["sensor"][q]),
        equip_of_point=np.fromiter(map(equip_index.__getitem__, point_equips), np.int64,
                                   len(point_equips)),
        equip_hashes=rng.key_hashes(equips),
    )


def drift(qp, ts, points):
    """[T, len(points)] drift of the given points (0 for those that do not drift)."""
    out = np.zeros((len(ts), len(points)))
    points = np.asarray(points, dtype=np.int64)
    if not len(qp.drifting) or not len(points):
        return out
    # qp.drifting is sorted (flatnonzero): each point's slot in it, if it drifts at all.
    j = np.minimum(np.searchsorted(qp.drifting, points), len(qp.drifting) - 1)
    cols = np.flatnonzero(qp.drifting[j] == points)
    j = j[cols]
    # Column by column as before, element for element the same arithmetic.
    out[:, cols] = qp.drift_rate[j] * (((ts[:, None] - qp.drift_offset[j]) % YEAR_S) / YEAR_S)
    return out


def _threshold(rate):
    """Integer cut-off: a hash below it happens with probability `rate`."""
    return np.uint64(min(int(rate * 2.0**64), 2**64 - 1))


def _run_cells(seed, stream, keys, k, rate, max_len):
    """(rows, cols) of the cells inside runs that start at an interval with probability `rate`
    and last 1..max_len intervals, ordered by column then row. Runs are rare, so they are
    expanded sparsely; those that began before the window are found by looking back."""
    T = len(k)
    if rate <= 0 or T == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    h = rng.hashes(seed, stream, keys, np.arange(k[0] - max_len + 1, k[-1] + 1))
    row, col = np.nonzero(h < _threshold(rate))
    length = (h[row, col] >> np.uint64(48)).astype(np.int64) % max_len + 1
    lags = np.arange(max_len)
    t = row[:, None] + lags[None, :] - (max_len - 1)
    keep = (lags[None, :] < length[:, None]) & (t >= 0) & (t < T)
    cells = np.unique(np.broadcast_to(col[:, None], t.shape)[keep] * T + t[keep])
    return cells % T, cells // T


def _runs(seed, stream, keys, k, rate, max_len):
    """The same runs as a dense bool [T, n] mask."""
    inside = np.zeros((len(k), len(keys)), bool)
    rows, cols = _run_cells(seed, stream, keys, k, rate, max_len)
    inside[rows, cols] = True
    return inside


def _hold(v, rows, cols, held):
    """Stale cells repeat the reading before their run (`held` at the window start). With no
    reading before it at all (a cold start), the run's first row stays fresh and the rest
    repeat it. Returns the cells that are stale."""
    if not len(rows):
        return rows, cols
    new_run = np.ones(len(rows), bool)
    new_run[1:] = (cols[1:] != cols[:-1]) | (rows[1:] != rows[:-1] + 1)
    source = (rows[new_run] - 1)[np.cumsum(new_run) - 1]
    cold = (source < 0) & np.isnan(held[cols])
    before = np.where(source >= 0, v[np.maximum(source, 0), cols], held[cols])
    before[cold] = v[0, cols[cold]]
    v[rows, cols] = before
    fresh = cold & (rows == 0)
    return rows[~fresh], cols[~fresh]


def degrade(spec, qp, key_hashes, ts, values, reading_bias, held, out=None):
    """Readings, status and presence from true values [T, P]; returns them and the new
    last-readings per point (held[i] is NaN where no previous reading is known). With `out`
    (status [T, P] uint8, present [T, P] bool), `values` becomes the readings in place and
    status and presence are written into `out`: a year's batch is then filled where it lives,
    with no per-block copies to concatenate."""
    dq, seed = spec.data_quality, spec.seed
    k = ts // spec.interval_seconds
    T, P = values.shape
    v = values.copy() if out is None else values
    if len(qp.noisy) and dq.noise_scale > 0:
        z = rng.normal(rng.hashes(seed, rng.NOISE, key_hashes[qp.noisy], k))
        cols = v[:, qp.noisy]
        v[:, qp.noisy] = cols + (qp.noise_abs + qp.noise_rel * np.abs(cols)) * z
    if len(qp.drifting):
        v[:, qp.drifting] += drift(qp, ts, qp.drifting)
    v[:, qp.bounded] = np.minimum(np.maximum(v[:, qp.bounded], qp.floor), qp.ceiling)
    # After the physical bounds: a faulty reading may leave them (a meter's negative spike).
    for i, bias in reading_bias.items():
        v[:, i] += bias
    if out is None:
        status = np.zeros((T, P), np.uint8)
    else:
        status = out[0]
        status.fill(OK)
    ranged = v[:, qp.ranged]
    out_of_range = (ranged < qp.lo) | (ranged > qp.hi)
    if out_of_range.any():
        status[:, qp.ranged] = np.where(out_of_range, FAULT, OK)
        v[:, qp.ranged] = np.minimum(np.maximum(ranged, qp.lo), qp.hi)
    # np.round(x, d) is rint(x * 10**d) / 10**d: one pass over every column, then the
    # full-precision ones (totalizers) are put back.
    exact = v[:, qp.exact]
    np.multiply(v, qp.scale, out=v)
    np.rint(v, out=v)
    np.divide(v, qp.scale, out=v)
    v[:, qp.exact] = exact

    s = qp.sensors
    stale_share = dq.stale_rate * 2.0 / (dq.stale_max_intervals + 1)  # per-interval run starts
    rows, cols = _run_cells(seed, rng.STALE, key_hashes[s], k, stale_share,
                            dq.stale_max_intervals)
    rows, cols = _hold(v, rows, s[cols], held)
    status[rows, cols] = STALE
    new_held = held.copy()
    new_held[s] = v[-1, s]

    present = rng.hashes(seed, rng.DROPOUT, key_hashes, k) >= _threshold(dq.dropout_rate)
    outage = _runs(seed, rng.OUTAGE, qp.equip_hashes, k, dq.outage_rate, dq.outage_max_intervals)
    present &= ~outage[:, qp.equip_of_point]
    np.copyto(v, np.nan, where=~present)
    if out is not None:
        out[1][...] = present
        present = out[1]
    return v, status, present, new_held


ANOMALY_KINDS = ("drift", "stale", "dropout", "outage")


def _intervals(rows, cols, T):
    """Maximal runs of consecutive rows per column: [(col, first row, last row + 1)]."""
    if not len(rows):
        return []
    order = np.lexsort((rows, cols))
    rows, cols = rows[order], cols[order]
    new = np.ones(len(rows), bool)
    new[1:] = (cols[1:] != cols[:-1]) | (rows[1:] != rows[:-1] + 1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(rows)) - 1
    return list(zip(cols[starts].tolist(), rows[starts].tolist(), (rows[ends] + 1).tolist()))


def anomalies(spec, qp, keys, key_hashes, t0, t1):
    """Labels of every injected data-quality anomaly overlapping [t0, t1) (epoch seconds):
    drift episodes (a drifting sensor from a recalibration to the next; magnitude = drift per
    year in the point's unit), stale runs (magnitude = intervals), dropouts (single missing
    readings, consecutive ones merged) and equipment communication outages (entity = the
    equipment, point None). Computed from the same hashes as `degrade`, looking back far
    enough that a run crossing t0 keeps its true start; closed-form, so any window split gives
    the labels its pieces overlap."""
    from .batch import Label  # the output contract lives in batch.py

    dq, seed, step = spec.data_quality, spec.seed, spec.interval_seconds
    out = []
    if t1 <= t0:
        return out
    for j, p in enumerate(qp.drifting):
        rate = float(qp.drift_rate[j])
        if rate == 0.0:
            continue
        first = (t0 - int(qp.drift_offset[j])) // YEAR_S
        for n in range(first, first + (t1 - t0) // YEAR_S + 2):
            recal = int(qp.drift_offset[j]) + n * YEAR_S
            start, end = -(-recal // step) * step, -(-(recal + YEAR_S) // step) * step
            if start < t1 and end > t0:
                severity = min(abs(rate) / max(dq.drift_max_per_year, 1e-12), 1.0)
                out.append(Label("drift", keys[p], start, end, severity, keys[p], rate))

    def runs(stream, hashes_of, rate, max_len, kind, names, point_level):
        if rate <= 0:
            return
        # Look back and ahead, so a run crossing t0 or t1 keeps its true start and end.
        k = np.arange(t0 // step - (max_len - 1), t1 // step + max_len - 1)
        rows, cols = _run_cells(seed, stream, hashes_of, k, rate, max_len)
        for col, a, b in _intervals(rows, cols, len(k)):
            start, end = int(k[a]) * step, int(k[0] + b) * step
            if end > t0 and start < t1:
                name = names[col]
                out.append(Label(kind, name, start, end, 1.0, name if point_level else None,
                                 float(b - a)))

    s = qp.sensors
    stale_share = dq.stale_rate * 2.0 / (dq.stale_max_intervals + 1)
    runs(rng.STALE, key_hashes[s], stale_share, dq.stale_max_intervals, "stale",
         [keys[i] for i in s], True)
    equips = _equip_keys(qp, keys)
    runs(rng.OUTAGE, qp.equip_hashes, dq.outage_rate, dq.outage_max_intervals, "outage",
         equips, False)
    if dq.dropout_rate > 0:
        k = np.arange(t0 // step, t1 // step)
        for lo in range(0, len(k), 2880):  # bounded memory over a long window
            part = k[lo:lo + 2880]
            rows, cols = np.nonzero(rng.hashes(seed, rng.DROPOUT, key_hashes, part)
                                    < _threshold(dq.dropout_rate))
            for col, a, b in _intervals(rows, cols, len(part)):
                out.append(Label("dropout", keys[col], int(part[a]) * step,
                                 int(part[0] + b) * step, 1.0, keys[col], float(b - a)))
    out.sort(key=lambda lb: (lb.start, lb.fault, lb.entity))
    return _merge_dropouts(out)


def _equip_keys(qp, keys):
    """Equipment keys in the order of qp.equip_hashes (sorted, as plan() builds them)."""
    return sorted({key.split(".", 1)[0] for key in keys})


def _merge_dropouts(labels):
    """Dropout runs split by the memory bound are one label again."""
    merged, last = [], {}
    for lb in labels:
        prev = last.get(lb.entity) if lb.fault == "dropout" else None
        if prev is not None and merged[prev].end == lb.start:
            p = merged[prev]
            merged[prev] = type(p)(p.fault, p.entity, p.start, lb.end, 1.0, p.point,
                                   p.magnitude + lb.magnitude)
            continue
        if lb.fault == "dropout":
            last[lb.entity] = len(merged)
        merged.append(lb)
    return merged
