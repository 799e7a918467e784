"""generate(spec, state, start, end) -> (batch, new_state): the engine's one entry point.

Long windows are cut into blocks of at most BLOCK_DAYS and generated one after the other with
the state carried between them: the same mechanism that makes chunked generation equal
one-shot generation also bounds memory for a year-long backfill.
"""

from dataclasses import replace
from itertools import repeat

import numpy as np

from . import clock, physics, quality
from .batch import Batch, LazyLabels
from .faults import labels as fault_labels
from .model import compile_spec
from .parsing import parse_spec
from .spec import Spec
from .state import State
from .totals import integrate

BLOCK_DAYS = 31


def initial_state(spec):
    """A cold start: totalizers at zero, zone temperatures settled at the first window."""
    model = compile_spec(_spec(spec))
    return State(totalizers={model.keys[i]: 0.0 for i in model.totals})


def labels(spec, start, end, anomalies=True):
    """Ground truth of [start, end): fault episodes, then (unless anomalies=False) every
    data-quality anomaly (drift, stale, dropout, outage) overlapping the window."""
    spec = _spec(spec)
    t0, t1 = clock.window(start, end, spec.interval_seconds)
    return _labels(spec, t0, t1) if anomalies else fault_labels(spec, t0, t1)


def _labels(spec, t0, t1):
    model = compile_spec(spec)
    return fault_labels(spec, t0, t1) + quality.anomalies(
        spec, model.quality, model.keys, model.key_hashes, t0, t1)


def generate(spec, state, start, end):
    spec = _spec(spec)
    model = compile_spec(spec)
    step = spec.interval_seconds
    t0, t1 = clock.window(start, end, step)
    state = State.from_dict(state) if state is not None else initial_state(spec)
    if state.last_end is not None and state.last_end != t0:
        raise ValueError(
            f"state ends at {clock.iso(state.last_end)}; the next window must start there, "
            f"not at {clock.iso(t0)}"
        )
    ts = np.arange(t0, t1, step, dtype=np.int64)
    block = max(1, BLOCK_DAYS * 86400 // step)
    # Each block is generated into its rows of the batch (no per-block arrays to concatenate:
    # a year is ~200 MB, and copying it again cost an eighth of the run).
    P = len(model.keys)
    values = np.empty((len(ts), P))
    status, present = np.empty((len(ts), P), np.uint8), np.empty((len(ts), P), bool)
    for i in range(0, len(ts), block):
        rows = slice(i, i + block)
        state = _block(model, ts[rows], state, (values[rows], status[rows], present[rows]))
    state = replace(state, last_end=t1)
    batch = Batch(ts=ts, points=model.keys, kinds=model.kinds, values=values, status=status,
                  present=present, labels=LazyLabels(lambda: _labels(spec, t0, t1)))
    return batch, state


def _spec(spec):
    return spec if isinstance(spec, Spec) else parse_spec(spec)


def _copy_signals(model, signals, values):
    for name, dest, cols in model.signal_copies:  # values[:, idx] = signal[:, cols]
        signal = signals[name]
        if isinstance(cols, int):  # the signal's first `cols` columns
            values[:, dest] = signal if signal.shape[1] == cols else signal[:, :cols]
        else:
            values[:, dest] = signal[:, cols]


_row_dest = {}  # id(signal_copies) -> (signal_copies, every destination column, or None)


def _copy_row(model, signals, values):
    """A one-row window's signal copies as one gather into the row (the same values as
    _copy_signals: each column is copied, or cast like an assignment casts it). False where
    it does not apply (destinations overlap, or a signal is not one row of float or bool)."""
    copies = model.signal_copies
    hit = _row_dest.get(id(copies))
    if hit is None or hit[0] is not copies:
        dest = np.concatenate([np.arange(d.start, d.stop) if isinstance(d, slice)
                               else np.asarray(d, np.int64) for _, d, _ in copies]) \
            if copies else np.zeros(0, np.int64)
        hit = (copies, dest if len(np.unique(dest)) == len(dest) else None)
        if len(_row_dest) > 256:
            _row_dest.clear()
        _row_dest[id(copies)] = hit
    dest = hit[1]
    if dest is None:
        return False
    parts = []
    for name, _, cols in copies:
        signal = signals[name]
        if signal.ndim != 2 or signal.shape[0] != 1 or signal.dtype not in _ROW_DTYPES:
            return False
        parts.append((signal if signal.shape[1] == cols else signal[:, :cols])
                     if isinstance(cols, int) else signal[:, cols])
    values[:, dest] = np.concatenate(parts, axis=1, dtype=np.float64)
    return True


_ROW_DTYPES = (np.dtype(np.float64), np.dtype(bool))


def _block(model, ts, state, out):
    """Generate the rows `ts` into `out` (values, status, present: views of the batch) and
    return the state after them."""
    keys, zones = model.keys, model.layout.zones
    temps = None
    if state.zone_temps:
        temps = np.array([state.zone_temps.get(z.key, np.nan) for z in zones])
    carry = dict(state.idle)
    ahus = model.layout.ahus
    co2 = np.array([state.indoor.get(a, np.nan) for a in ahus])
    staging = dict(state.staging)
    controls = dict(state.controls)
    signals, end_temps, fx, end_co2 = physics.run(model, ts, temps, carry, co2, staging,
                                                  controls)

    values = out[0]
    if not (len(ts) == 1 and _copy_row(model, signals, values)):
        _copy_signals(model, signals, values)
    total_keys = [keys[i] for i in model.totals]
    totals, last_total, last_rate = integrate(
        values[:, model.total_rates],
        model.spec.interval_seconds,
        model.total_per_second,
        np.array([state.totalizers.get(k, 0.0) for k in total_keys]),
        np.array([state.rates.get(k, np.nan) for k in total_keys]),
    )
    values[:, model.totals] = totals

    index = model.catalogue.point_index
    bias = {index[k]: b for k, b in fx.reading_bias.items()}
    held = np.fromiter(map(state.held.get, keys, repeat(np.nan)), np.float64, len(keys))
    held = quality.degrade(model.spec, model.quality, model.key_hashes, ts, values, bias, held,
                           out=out[1:])[3]

    new_state = State(
        last_end=int(ts[-1]) + model.spec.interval_seconds,
        zone_temps={z.key: float(t) for z, t in zip(zones, end_temps)},
        totalizers=dict(zip(total_keys, map(float, last_total))),
        rates=dict(zip(total_keys, map(float, last_rate))),
        held=dict(zip(model.sensor_keys, held[model.quality.sensors].tolist())),
        idle=carry,
        indoor={a: float(c) for a, c in zip(ahus, end_co2)},
        staging=staging,
        controls=controls,
    )
    return new_state
