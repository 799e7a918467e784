"""Totalizers: the running integral of a non-negative rate (trapezoid rule, exact Δt).

The running total and the last rate are carried in the state. A cumulative sum that starts
from the carried total adds in the same order as one long sequential run, so a window split
anywhere gives bit-identical totals, and they can never go backwards.
"""

import numpy as np


def integrate(rates, step_seconds, per_second, carry_total, carry_rate):
    """Totals [T, n] at each timestamp; returns (totals, last total, last rate).

    `carry_rate` is NaN where no earlier sample exists: the first sample then adds nothing.
    """
    rates = np.maximum(rates, 0.0)
    first = np.where(np.isnan(carry_rate), rates[0], carry_rate)
    previous = np.vstack([first[None, :], rates[:-1]])
    increments = (previous + rates) * (0.5 * step_seconds * per_second)
    increments[0] = np.where(np.isnan(carry_rate), 0.0, increments[0])
    steps = np.vstack([carry_total[None, :], increments])
    totals = np.cumsum(steps, axis=0)[1:]
    return totals, totals[-1].copy(), rates[-1].copy()
