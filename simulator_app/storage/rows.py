"""`ValueRows`: the long-format, columnar rows every writer consumes.

One row per (entity_id, ts), held as numpy columns so that turning an engine batch into rows,
slicing, deduplicating and encoding them for COPY never needs a Python object per row:

- entity_id  int64           (must fit PostgreSQL int4)
- ts         int64           microseconds since 1970-01-01 UTC
- value_n    float64         NaN = NULL
- value_b    int8            -1 = NULL, 0 = false, 1 = true
- value_s    object or None  None as a whole = every row NULL; otherwise str or None per row
- value_ts   datetime64[us] or None; NaT = NULL; None as a whole = every row NULL
- status     int16 codes into `status_names`; -1 = NULL

`unique_keys` records that no (entity_id, ts) occurs twice, so writers can skip the
deduplication sort (rows from an engine batch are unique by construction).
"""

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from .errors import InvalidRowsError

DEFAULT_STATUSES = ("ok", "stale", "fault", "down")
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def storable_text(text):
    """False for text UTF-8 cannot encode (a lone surrogate, which JSON's "\\ud800" yields):
    every writer encodes UTF-8, so such rows are refused before anything is written."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def to_epoch_us(value):
    """A datetime (naive = UTC), ISO string, np.datetime64 or int (µs) as int µs since epoch UTC."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[us]").astype(np.int64))
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InvalidRowsError(f"not an ISO 8601 timestamp: {value!r}") from exc
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, date):
        return to_epoch_us(datetime(value.year, value.month, value.day))
    raise InvalidRowsError(f"not a timestamp: {value!r}")


def us_to_datetime(us):
    """int µs since epoch -> aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=int(us))


class ValueRows:
    __slots__ = (
        "entity_id", "ts", "value_n", "value_b", "value_s", "value_ts", "status",
        "status_names", "unique_keys", "_entities",
    )

    def __init__(self, entity_id, ts, value_n=None, value_b=None, value_s=None, value_ts=None,
                 status=None, status_names=DEFAULT_STATUSES, *, unique_keys=False,
                 validate=True):
        self.entity_id = np.asarray(entity_id, dtype=np.int64)
        n = len(self.entity_id)
        self.ts = np.asarray(ts, dtype=np.int64)
        self.value_n = (np.full(n, np.nan) if value_n is None
                        else np.asarray(value_n, dtype=np.float64))
        self.value_b = (np.full(n, -1, np.int8) if value_b is None
                        else np.asarray(value_b, dtype=np.int8))
        self.value_s = None if value_s is None else np.asarray(value_s, dtype=object)
        self.value_ts = None if value_ts is None else np.asarray(value_ts, dtype="datetime64[us]")
        self.status = (np.full(n, -1, np.int16) if status is None
                       else np.asarray(status, dtype=np.int16))
        self.status_names = tuple(status_names)
        self.unique_keys = bool(unique_keys)
        self._entities = None
        if validate:
            self._validate()

    def _validate(self):
        n = len(self.entity_id)
        columns = {"ts": self.ts, "value_n": self.value_n, "value_b": self.value_b,
                   "status": self.status, "value_s": self.value_s, "value_ts": self.value_ts}
        for name, column in columns.items():
            if column is not None and column.shape != (n,):
                raise InvalidRowsError(f"column {name} has shape {column.shape}, expected ({n},)")
        if n == 0:
            return
        if self.entity_id.min() < INT4_MIN or self.entity_id.max() > INT4_MAX:
            raise InvalidRowsError("entity_id outside the int4 range of the value tables")
        if np.isinf(self.value_n).any():
            raise InvalidRowsError("value_n holds an infinite value (use NaN for NULL)")
        if ((self.value_b < -1) | (self.value_b > 1)).any():
            raise InvalidRowsError("value_b must be -1 (NULL), 0 or 1")
        if ((self.status < -1) | (self.status >= len(self.status_names))).any():
            raise InvalidRowsError(f"status code outside 0..{len(self.status_names) - 1}")
        for name in self.status_names:
            if not isinstance(name, str):
                raise InvalidRowsError(f"status name {name!r} is not a string")
            if not storable_text(name):
                raise InvalidRowsError("status holds a surrogate character (not valid unicode)")
        if self.value_s is not None:
            for value in self.value_s:
                if value is not None and not isinstance(value, str):
                    raise InvalidRowsError(f"value_s {value!r} is not a string")
                if value is not None and not storable_text(value):
                    raise InvalidRowsError(
                        "value_s holds a surrogate character (not valid unicode)")

    # --- construction -------------------------------------------------------------------

    @classmethod
    def empty(cls, status_names=DEFAULT_STATUSES):
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), status_names=status_names,
                   unique_keys=True)

    @classmethod
    def from_batch(cls, batch, entity_ids):
        """Long rows of an engine `Batch`; `entity_ids[p]` is the entity of `batch.points[p]`.

        Rows come out point-major (all intervals of the first point, then the next), only
        where `present`. Number points fill value_n, Bool points value_b. No Python loop over rows.
        """
        from simulator_app.engine.batch import KIND_BOOL, KIND_NUMBER, STATUSES

        values = np.asarray(batch.values, dtype=np.float64)
        if values.ndim != 2:
            raise InvalidRowsError(f"batch.values must be 2-D, got shape {values.shape}")
        n_t, n_p = values.shape
        eids = np.asarray(entity_ids, dtype=np.int64)
        if eids.shape != (n_p,):
            raise InvalidRowsError(f"{len(eids)} entity ids for {n_p} batch points")
        kinds = tuple(batch.kinds)
        bool_points = _bool_points(kinds)
        if len(kinds) != n_p or bool_points is None:
            unknown = sorted(set(kinds) - {KIND_NUMBER, KIND_BOOL})
            raise InvalidRowsError(f"batch kinds must be {KIND_NUMBER}/{KIND_BOOL} per point, "
                                   f"got {unknown or len(kinds)}")
        batch_ts = np.asarray(batch.ts, dtype=np.int64)
        present = np.asarray(batch.present, dtype=bool)
        status = np.asarray(batch.status)
        if batch_ts.shape != (n_t,) or present.shape != values.shape \
                or status.shape != values.shape:
            raise InvalidRowsError("batch ts/present/status do not match the shape of values")

        # Point-major order (each entity's rows together, ts ascending): B-tree inserts into
        # the (entity_id, ts) primary key and the entity_id index then land on the same leaf
        # pages one after another, which makes COPY into the value table markedly faster than
        # the interval-major order the engine computes in.
        flat = np.flatnonzero(present.T)
        p_idx = flat // n_t if n_t else flat
        t_idx = flat - p_idx * n_t
        picked = values[t_idx, p_idx]
        is_bool = bool_points[p_idx]
        known = ~np.isnan(picked)
        value_n = np.where(is_bool, np.nan, picked)
        value_b = np.where(is_bool & known, picked != 0, -1).astype(np.int8)
        rows = cls(
            eids[p_idx], batch_ts[t_idx] * 1_000_000, value_n, value_b,
            status=status[t_idx, p_idx].astype(np.int16), status_names=STATUSES,
            # Strictly ascending intervals and distinct entity ids make every key unique.
            unique_keys=bool(np.all(np.diff(batch_ts) > 0)) and len(np.unique(eids)) == n_p,
        )
        rows._entities = np.unique(eids[present.any(axis=0)])
        return rows

    @classmethod
    def from_records(cls, records, status_names=DEFAULT_STATUSES):
        """Rows from dicts shaped like `/bulk/value` items (ts, entity_id, value_n, value_b,
        value_s, value_ts, status). Naive datetimes and ISO strings without offset are UTC.
        A status not in `status_names` is appended to them."""
        names = list(status_names)
        code_of = {name: i for i, name in enumerate(names)}
        eid, ts, vn, vb, vs, vts, st = [], [], [], [], [], [], []
        for i, rec in enumerate(records):
            try:
                entity = rec["entity_id"]
                if isinstance(entity, bool) or not isinstance(entity, (int, np.integer)):
                    raise InvalidRowsError(f"entity_id {entity!r} is not an integer")
                eid.append(int(entity))
                if rec.get("ts") is None:
                    raise InvalidRowsError("ts is required")
                ts.append(to_epoch_us(rec["ts"]))
                number = rec.get("value_n")
                if number is not None and (isinstance(number, (bool, str))
                                           or not np.isfinite(float(number))):
                    raise InvalidRowsError(f"value_n {number!r} is not a finite number")
                vn.append(np.nan if number is None else float(number))
                flag = rec.get("value_b")
                if flag is not None and not isinstance(flag, (bool, np.bool_)):
                    raise InvalidRowsError(f"value_b {flag!r} is not a boolean")
                vb.append(-1 if flag is None else int(flag))
                text = rec.get("value_s")
                if text is not None and not isinstance(text, str):
                    raise InvalidRowsError(f"value_s {text!r} is not a string")
                vs.append(text)
                stamp = rec.get("value_ts")
                vts.append(np.datetime64("NaT", "us") if stamp is None
                           else np.datetime64(to_epoch_us(stamp), "us"))
                status = rec.get("status")
                if status is None:
                    st.append(-1)
                else:
                    if not isinstance(status, str):
                        raise InvalidRowsError(f"status {status!r} is not a string")
                    if status not in code_of:
                        code_of[status] = len(names)
                        names.append(status)
                    st.append(code_of[status])
            except InvalidRowsError as exc:
                raise InvalidRowsError(f"record {i}: {exc}") from None
            except (KeyError, TypeError, ValueError) as exc:
                raise InvalidRowsError(f"record {i}: {type(exc).__name__}: {exc}") from None
        n = len(eid)
        any_s = any(v is not None for v in vs)
        vts_arr = np.array(vts, dtype="datetime64[us]") if n else np.zeros(0, "datetime64[us]")
        return cls(
            np.array(eid, np.int64), np.array(ts, np.int64), np.array(vn, np.float64),
            np.array(vb, np.int8), np.array(vs, dtype=object) if any_s else None,
            vts_arr if (n and not np.isnat(vts_arr).all()) else None,
            np.array(st, np.int16), tuple(names),
        )

    @classmethod
    def concat(cls, parts):
        """One ValueRows of several; status names are merged and codes remapped."""
        parts = list(parts)
        if not parts:
            return cls.empty()
        names = []
        for part in parts:
            names.extend(name for name in part.status_names if name not in names)
        codes = []
        for part in parts:
            remap = np.array([names.index(name) for name in part.status_names] + [-1], np.int16)
            codes.append(remap[part.status])  # -1 indexes the trailing -1: NULL stays NULL
        n_each = [len(p) for p in parts]

        def joined(column, fill):
            if all(getattr(p, column) is None for p in parts):
                return None
            return np.concatenate([getattr(p, column) if getattr(p, column) is not None
                                   else fill(n) for p, n in zip(parts, n_each)])

        return cls(
            np.concatenate([p.entity_id for p in parts]), np.concatenate([p.ts for p in parts]),
            np.concatenate([p.value_n for p in parts]), np.concatenate([p.value_b for p in parts]),
            joined("value_s", lambda n: np.full(n, None, dtype=object)),
            joined("value_ts", lambda n: np.full(n, np.datetime64("NaT"), "datetime64[us]")),
            np.concatenate(codes), tuple(names), validate=False,
        )

    # --- access -------------------------------------------------------------------------

    def __len__(self):
        return len(self.entity_id)

    def __repr__(self):
        span = ""
        if len(self):
            span = f", {us_to_datetime(self.min_ts()):%Y-%m-%dT%H:%M}Z.." \
                   f"{us_to_datetime(self.max_ts()):%Y-%m-%dT%H:%M}Z"
        return f"<ValueRows {len(self)} rows{span}>"

    def __getitem__(self, key):
        """A slice (views, no copy), a boolean mask or an index array."""
        if isinstance(key, (int, np.integer)):
            raise TypeError("index ValueRows with a slice, mask or index array")
        pick = (lambda c: None if c is None else c[key])
        out = ValueRows(
            self.entity_id[key], self.ts[key], self.value_n[key], self.value_b[key],
            pick(self.value_s), pick(self.value_ts), self.status[key], self.status_names,
            unique_keys=self.unique_keys, validate=False,
        )
        return out

    def min_ts(self):
        return int(self.ts.min()) if len(self) else None

    def max_ts(self):
        return int(self.ts.max()) if len(self) else None

    def entities(self):
        """Sorted distinct entity ids."""
        if self._entities is None:
            self._entities = np.unique(self.entity_id)
        return self._entities

    def between(self, start=None, end=None):
        """Rows with start <= ts < end (datetimes, ISO strings or µs; None = unbounded)."""
        mask = np.ones(len(self), dtype=bool)
        if start is not None:
            mask &= self.ts >= to_epoch_us(start)
        if end is not None:
            mask &= self.ts < to_epoch_us(end)
        return self[mask]

    def chunks(self, max_rows):
        """Consecutive slices of at most `max_rows` rows (views, so memory stays bounded)."""
        if max_rows < 1:
            raise ValueError("max_rows must be positive")
        for start in range(0, len(self), max_rows):
            yield self[start:start + max_rows]

    def value_s_mask(self):
        """True where value_s is not NULL."""
        if self.value_s is None:
            return np.zeros(len(self), dtype=bool)
        return np.fromiter((v is not None for v in self.value_s), dtype=bool, count=len(self))

    def value_ts_mask(self):
        """True where value_ts is not NULL."""
        if self.value_ts is None:
            return np.zeros(len(self), dtype=bool)
        return ~np.isnat(self.value_ts)

    def status_strings(self):
        """Status per row as an object array of names (None = NULL)."""
        lookup = np.array(list(self.status_names) + [None], dtype=object)
        return lookup[self.status]

    def dedupe(self):
        """Rows with one row per (entity_id, ts), the last occurrence winning, sorted by key.

        A multi-row upsert fails with "cannot affect row a second time" on duplicate keys, so
        every writer calls this first; it is free when `unique_keys` is already known.
        """
        if self.unique_keys or len(self) < 2:
            self.unique_keys = True
            return self
        order = np.lexsort((self.ts, self.entity_id))  # stable: equal keys keep input order
        eid, ts = self.entity_id[order], self.ts[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = (eid[1:] != eid[:-1]) | (ts[1:] != ts[:-1])
        out = self[order[last]]
        out.unique_keys = True
        return out

    def rounded(self, decimals):
        """value_n rounded to `decimals` places (what every writer stores). Values so large
        that rounding would overflow are whole numbers already and stay as they are."""
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.round(self.value_n, decimals)
        overflow = np.isinf(out)
        if overflow.any():
            out[overflow] = self.value_n[overflow]
        return out

    def to_records(self, decimals=None):
        """List of dicts (ts and value_ts as aware UTC datetimes). For HTTP payloads and tests."""
        value_n = self.value_n if decimals is None else self.rounded(decimals)
        ts = self.ts.astype("datetime64[us]").astype(object)
        vts = (self.value_ts.astype(object) if self.value_ts is not None
               else [None] * len(self))
        vs = self.value_s if self.value_s is not None else [None] * len(self)
        out = []
        for eid, t, n, b, s, t2, st in zip(self.entity_id.tolist(), ts, value_n.tolist(),
                                           self.value_b.tolist(), vs, vts,
                                           self.status_strings()):
            out.append({
                "entity_id": eid,
                "ts": t.replace(tzinfo=timezone.utc),
                "value_n": None if n != n else n,
                "value_b": None if b < 0 else bool(b),
                "value_s": s,
                "value_ts": None if t2 is None else t2.replace(tzinfo=timezone.utc),
                "status": st,
            })
        return out


@lru_cache(maxsize=256)
def _bool_points(kinds):
    """Read-only bool [P]: which points of a batch's `kinds` are Bool; None if a kind is neither
    Number nor Bool. Memoised: a simulator's batches share one kinds tuple every tick."""
    from simulator_app.engine.batch import KIND_BOOL, KIND_NUMBER

    if not set(kinds) <= {KIND_NUMBER, KIND_BOOL}:
        return None
    mask = np.fromiter((k == KIND_BOOL for k in kinds), dtype=bool, count=len(kinds))
    mask.flags.writeable = False
    return mask


def rows_from_tuples(records, status_names=DEFAULT_STATUSES):
    """ValueRows from (entity_id, ts_us, value_n float|None, value_b, value_s, value_ts_us,
    status) tuples as read back from a database."""
    n = len(records)
    if n == 0:
        return ValueRows.empty(status_names)
    eid, ts, vn, vb, vs, vts, st = zip(*records)
    names = list(status_names)
    for name in set(st) - set(names) - {None}:
        names.append(name)
    code = {name: i for i, name in enumerate(names)}
    code[None] = -1
    any_s = any(v is not None for v in vs)
    any_ts = any(v is not None for v in vts)
    return ValueRows(
        np.array(eid, np.int64), np.array(ts, np.int64),
        np.array([np.nan if v is None else float(v) for v in vn], np.float64),
        np.array([-1 if v is None else int(v) for v in vb], np.int8),
        np.array(vs, dtype=object) if any_s else None,
        np.array([np.datetime64("NaT") if v is None else np.datetime64(int(v), "us")
                  for v in vts], dtype="datetime64[us]") if any_ts else None,
        np.array([code[s] for s in st], np.int16), tuple(names), unique_keys=True,
    )
