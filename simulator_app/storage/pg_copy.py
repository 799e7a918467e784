"""Vectorised encoding of `ValueRows` into PostgreSQL's binary COPY format.

Column order is the value table's: entity_id int4, ts timestamp, value_n numeric, value_b bool,
value_s varchar, value_ts timestamp, status varchar.

Why not `Copy.write_row`: it costs a Python call and a `Decimal` per row (psycopg has no binary
float->numeric dumper), which is as slow as the server. Here every row of one *shape* has the same
width, so a whole group is one numpy structured array with big-endian fields, written with
`tobytes()`. A row's shape is: which of value_n / value_b are NULL (NULL is length -1 and no
payload) and which status string it carries (varchar length differs per string). Rows with a
value_s or value_ts, or a value too large for the fixed-width numeric, take a per-row path;
the engine never produces those, the REST payload rarely does.

Numeric: value_n is stored rounded to `decimals` places, as the shortest decimal of the rounded
float (exactly what a text COPY of `repr(round(x, decimals))` stores). On the wire a numeric is
ndigits, weight, sign, dscale and base-10000 digits. PostgreSQL accepts digit arrays with leading
and trailing zero groups (it strips them), so every row of a chunk uses the same number of groups;
dscale is per row, the minimal number of decimals, so 72.5 reads back as 72.5, not 72.500000.
"""

import struct
from decimal import Decimal

import numpy as np

from .errors import InvalidRowsError

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)
PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 - 1970-01-01 in µs: where timestamp counts from
NUMERIC_NEG = 0x4000
VALUE_COLUMNS = ("entity_id", "ts", "value_n", "value_b", "value_s", "value_ts", "status")
# Values whose rounded digits exceed 15 significant digits would not round-trip through a float
# repr exactly, so they take the Decimal path (identical result, slower).
_FAST_LIMIT = 10**15
_BASE = 10_000


def copy_stream(rows, decimals=6, chunk_rows=100_000):
    """Yield a complete binary COPY stream (header, rows in chunks, trailer)."""
    yield COPY_HEADER
    for chunk in rows.chunks(chunk_rows):
        yield encode_rows(chunk, decimals)
    yield COPY_TRAILER


def encode_rows(rows, decimals=6):
    """The binary COPY tuples of `rows` (no header/trailer), in an unspecified row order."""
    n = len(rows)
    if n == 0:
        return b""
    if not 0 <= decimals <= 9:
        raise ValueError(f"decimals must be within 0..9, got {decimals}")
    scale = 10**decimals
    vn = rows.value_n
    has_n = ~np.isnan(vn)
    with np.errstate(over="ignore"):  # huge values become inf here: general path below
        magnitude = np.rint(np.abs(np.where(has_n, vn, 0.0)) * scale)
    general = has_n & (magnitude >= _FAST_LIMIT)
    general |= rows.value_s_mask()
    general |= rows.value_ts_mask()
    fast = ~general

    parts = []
    if fast.any():
        # Zero where the fixed-width path does not apply (NULL, or too large: may be inf).
        magnitude = np.where(has_n & fast, magnitude, 0.0)
        numeric = _fixed_numeric(vn, magnitude, has_n & fast, decimals)
        has_b = rows.value_b >= 0
        # One group per (value_n NULL?, value_b NULL?, status): each is a fixed-width array.
        group_key = (has_n.astype(np.int32) * 2 + has_b) * (len(rows.status_names) + 1) \
            + (rows.status.astype(np.int32) + 1)
        group_key[general] = -1
        for key in np.unique(group_key):
            if key < 0:
                continue
            idx = np.flatnonzero(group_key == key)
            parts.append(_encode_group(rows, idx, numeric, int(key), decimals))
    if general.any():
        parts.append(_encode_general(rows, np.flatnonzero(general), decimals))
    return b"".join(parts)


def _fixed_numeric(vn, magnitude, mask, decimals):
    """Fixed-width numeric fields for the rows in `mask` (arrays over all rows)."""
    m = magnitude.astype(np.int64)
    scale = 10**decimals
    int_part, frac_part = m // scale, m % scale
    frac_groups = -(-decimals // 4)  # ceil
    top = int(int_part[mask].max()) if mask.any() else 0
    int_groups = max(1, -(-len(str(top)) // 4))
    k = int_groups + frac_groups
    digits = np.empty((len(vn), k), dtype=np.int64)
    for i in range(int_groups):
        digits[:, i] = (int_part // _BASE ** (int_groups - 1 - i)) % _BASE
    padded = frac_part * 10 ** (4 * frac_groups - decimals)  # align decimals to 4-digit groups
    for j in range(frac_groups):
        digits[:, int_groups + j] = (padded // _BASE ** (frac_groups - 1 - j)) % _BASE
    dscale = np.full(len(vn), decimals, dtype=np.int64)
    for zeros in range(1, decimals + 1):  # minimal scale: drop trailing decimal zeros
        dscale[frac_part % 10**zeros == 0] = decimals - zeros
    sign = np.where((vn < 0) & (m > 0), NUMERIC_NEG, 0)
    return {"k": k, "weight": int_groups - 1, "digits": digits, "dscale": dscale, "sign": sign}


def _encode_group(rows, idx, numeric, key, decimals):
    n_status = len(rows.status_names) + 1
    status_code = key % n_status - 1
    has_n, has_b = divmod(key // n_status, 2)
    status = None if status_code < 0 else _utf8(rows.status_names[status_code])
    k = numeric["k"]

    fields = [("nf", ">i2"), ("eid_len", ">i4"), ("eid", ">i4"), ("ts_len", ">i4"),
              ("ts", ">i8"), ("vn_len", ">i4")]
    if has_n:
        fields += [("nd", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">u2"),
                   ("digits", ">i2", (k,))]
    fields += [("vb_len", ">i4")]
    if has_b:
        fields += [("vb", "u1")]
    fields += [("vs_len", ">i4"), ("vts_len", ">i4"), ("st_len", ">i4")]
    if status:
        fields += [("st", f"S{len(status)}")]

    out = np.empty(len(idx), dtype=np.dtype(fields))
    out["nf"] = 7
    out["eid_len"] = 4
    out["eid"] = rows.entity_id[idx]
    out["ts_len"] = 8
    out["ts"] = rows.ts[idx] - PG_EPOCH_US
    if has_n:
        out["vn_len"] = 8 + 2 * k
        out["nd"] = k
        out["weight"] = numeric["weight"]
        out["sign"] = numeric["sign"][idx]
        out["dscale"] = numeric["dscale"][idx]
        out["digits"] = numeric["digits"][idx]
    else:
        out["vn_len"] = -1
    if has_b:
        out["vb_len"] = 1
        out["vb"] = rows.value_b[idx]
    else:
        out["vb_len"] = -1
    out["vs_len"] = -1
    out["vts_len"] = -1
    if status is None:
        out["st_len"] = -1
    else:
        out["st_len"] = len(status)
        if status:
            out["st"] = status
    return out.tobytes()


def _encode_general(rows, idx, decimals):
    """Per-row encoding for rows with strings, value_ts or very large numbers (rare)."""
    buf = bytearray()
    statuses = rows.status_strings()
    for i in idx.tolist():
        buf += struct.pack(">hiiiq", 7, 4, int(rows.entity_id[i]), 8,
                           int(rows.ts[i]) - PG_EPOCH_US)
        x = rows.value_n[i]
        if np.isnan(x):
            buf += struct.pack(">i", -1)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                rounded = np.round(x, decimals)
            if not np.isfinite(rounded):  # beyond 2**53 every float is whole: nothing to round
                rounded = x
            field = numeric_from_decimal(Decimal(repr(float(rounded))).normalize())
            buf += struct.pack(">i", len(field)) + field
        b = int(rows.value_b[i])
        buf += struct.pack(">i", -1) if b < 0 else struct.pack(">ib", 1, b)
        s = rows.value_s[i] if rows.value_s is not None else None
        buf += _text_field(s)
        t = rows.value_ts[i] if rows.value_ts is not None else None
        if t is None or np.isnat(t):
            buf += struct.pack(">i", -1)
        else:
            buf += struct.pack(">iq", 8, int(t.astype(np.int64)) - PG_EPOCH_US)
        buf += _text_field(statuses[i])
    return bytes(buf)


def _text_field(text):
    if text is None:
        return struct.pack(">i", -1)
    data = _utf8(text)
    return struct.pack(">i", len(data)) + data


def _utf8(text):
    try:
        return text.encode()
    except UnicodeEncodeError:  # ValueRows refuses these; rows built unvalidated must too
        raise InvalidRowsError("text holds a surrogate character (not valid unicode)") from None


def numeric_from_decimal(value):
    """The binary wire form of a finite `Decimal` as a PostgreSQL numeric."""
    if not value.is_finite():
        raise ValueError(f"cannot store {value} in a numeric column")
    sign, digits, exponent = value.as_tuple()
    text = "".join(map(str, digits))
    if exponent >= 0:
        int_text, frac_text, dscale = text + "0" * exponent, "", 0
    else:
        dscale = -exponent
        text = text.rjust(dscale + 1, "0")
        int_text, frac_text = text[:-dscale], text[-dscale:]
    int_text = int_text.lstrip("0")
    int_text = "0" * (-len(int_text) % 4) + int_text
    frac_text = frac_text + "0" * (-len(frac_text) % 4)
    groups = [int(int_text[i:i + 4]) for i in range(0, len(int_text), 4)]
    groups += [int(frac_text[i:i + 4]) for i in range(0, len(frac_text), 4)]
    weight = len(int_text) // 4 - 1
    if not any(groups):
        groups, weight, sign = [], 0, 0
    return struct.pack(f">hhHH{len(groups)}h", len(groups), weight,
                       NUMERIC_NEG if sign else 0, dscale, *groups)
