"""What a plant sensor reads while its equipment is off: a slow drift from the last running
value toward the mechanical room, rather than a jump or a frozen number.

The drift is closed-form in the time since the equipment last ran; that moment and the value
then are carried in the state, so a window split anywhere reads the same.
"""

import numpy as np

ROOM_F = 68.0
TAU_S = 3 * 3600.0


def drift(running, active, ts, carry, ambient=ROOM_F, tau=TAU_S):
    """Readings [T, n]: `active` while running, else decaying from the last running value.

    `carry` is [[t, value] or None] * n from the previous window; returns (values, carry).
    """
    T, n = active.shape
    if (T and len(carry) == n and running.dtype == bool and active.dtype == np.float64
            and type(ambient) is float):
        # Shortcuts of the two common cases (a tick's plant is all on or all off), equal to
        # the general expression below bit for bit.
        if running.all():
            return active.copy(), [[float(ts[T - 1]), float(v)] for v in active[T - 1].tolist()]
        if not running.any() and all(c is None for c in carry):
            # never seen running: ambient + (ambient - ambient) * exp(-inf)
            return np.full((T, n), ambient + (ambient - ambient) * 0.0), list(carry)
    rows = np.arange(T)[:, None]
    last = np.maximum.accumulate(np.where(running, rows, -1), axis=0)
    seen = last >= 0
    idx = np.maximum(last, 0)
    prev_t = np.array([np.nan if c is None else c[0] for c in carry], dtype=np.float64)
    prev_v = np.array([ambient if c is None else c[1] for c in carry], dtype=np.float64)
    ref_t = np.where(seen, ts[idx], prev_t[None, :])
    ref_v = np.where(seen, active[idx, np.arange(n)[None, :]], prev_v[None, :])
    age = ts[:, None] - ref_t
    # Never seen running: infinitely old (nan_to_num's inf -> ±max float would give the same
    # exp below, at a fraction of its cost on a tick's few cells).
    age = np.where(np.isnan(age), np.inf, age)
    values = np.where(running, active, ambient + (ref_v - ambient) * np.exp(-age / tau))
    new_carry = [
        [float(ts[last[-1, j]]), float(active[last[-1, j], j])] if seen[-1, j] else carry[j]
        for j in range(n)
    ]
    return values, new_carry
