"""Test data and table dumps shared by the storage tests."""

import numpy as np
from psycopg import sql

from simulator_app.engine.batch import KIND_BOOL, KIND_NUMBER, Batch

T0 = 1_704_067_200  # 2024-01-01 00:00 UTC
STEP = 900


def make_batch(n_points=6, n_intervals=8, start=T0, seed=0, shift=0.0, drop=()):
    """A small deterministic engine batch: every third point Bool, statuses cycling,
    `drop` = (interval, point) pairs that are absent (dropouts)."""
    rng = np.random.default_rng(seed)
    ts = start + STEP * np.arange(n_intervals, dtype=np.int64)
    values = np.round(rng.normal(50, 20, (n_intervals, n_points)) + shift, 3)
    kinds = tuple(KIND_BOOL if p % 3 == 2 else KIND_NUMBER for p in range(n_points))
    for p, kind in enumerate(kinds):
        if kind == KIND_BOOL:
            values[:, p] = (np.arange(n_intervals) + p + int(shift)) % 2
    status = ((np.arange(n_intervals)[:, None] + np.arange(n_points)[None, :]) % 4).astype(np.uint8)
    present = np.ones((n_intervals, n_points), dtype=bool)
    for t, p in drop:
        present[t, p] = False
    return Batch(ts=ts, points=tuple(f"pt{p}" for p in range(n_points)), kinds=kinds,
                 values=values, status=status, present=present)


def entity_ids(n_points, first=100):
    return np.arange(first, first + n_points, dtype=np.int64)


def dump(conn, org_key, current=False):
    """Every row of a PostgreSQL value table as text, in key order: equality = same rows."""
    table = f"values_{org_key}_current" if current else f"values_{org_key}"
    return conn.execute(sql.SQL(
        "SELECT t::text FROM {} AS t ORDER BY entity_id, ts").format(
        sql.Identifier("core", table))).fetchall()
