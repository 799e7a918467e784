"""The vectorised binary COPY encoding, checked against what PostgreSQL itself makes of a text
COPY of the same (rounded) values."""

from decimal import Decimal

import numpy as np
import pytest
from psycopg import sql

from simulator_app.storage import ValueRows
from simulator_app.storage.pg_copy import copy_stream, numeric_from_decimal

VALUES = [
    0.0, -0.0, 1.0, -1.0, 72.5, -72.5, 0.1 + 0.2, 1e-6, -1e-6, 4e-7, 6e-7, 0.000123456789,
    12.345678901, 99999.999999, 100000.0, 123456789.123456, 999999999.999999, 1e9,
    1_234_567_890.125, -987_654_321.5, 5e11 + 0.25, 3.14159e13, -2.5e14, 1e15 / 3,
]


@pytest.fixture
def staging(pg_conn):
    """Two scratch tables shaped like a values table: binary target and text reference."""
    name = f"enc_{np.random.default_rng().integers(1 << 40):x}"
    for suffix in ("bin", "txt"):
        pg_conn.execute(sql.SQL(
            "CREATE TABLE {} (entity_id int4, ts timestamp, value_n numeric, value_b bool, "
            "value_s varchar, value_ts timestamp, status varchar)").format(
            sql.Identifier(f"{name}_{suffix}")))
    yield name
    for suffix in ("bin", "txt"):
        pg_conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(f"{name}_{suffix}")))


def copy_binary(conn, table, rows, decimals=6):
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(table))) as cp:
        for part in copy_stream(rows, decimals, chunk_rows=5):
            cp.write(part)


def test_it_stores_numbers_exactly_as_a_text_copy_of_the_rounded_value(pg_conn, staging):
    values = np.array(VALUES)
    n = len(values)
    rows = ValueRows(np.arange(n), np.full(n, 1_700_000_000_000_000), values)
    copy_binary(pg_conn, f"{staging}_bin", rows)
    with pg_conn.cursor().copy(sql.SQL("COPY {} (entity_id, value_n) FROM STDIN").format(
            sql.Identifier(f"{staging}_txt"))) as cp:
        for i, x in enumerate(values):
            cp.write_row((i, repr(float(np.round(x, 6)))))

    pairs = pg_conn.execute(sql.SQL(
        "SELECT b.value_n, t.value_n, b.value_n::text, t.value_n::text FROM {} b "
        "JOIN {} t USING (entity_id) ORDER BY entity_id").format(
        sql.Identifier(f"{staging}_bin"), sql.Identifier(f"{staging}_txt"))).fetchall()

    assert len(pairs) == n
    for (binary, text, binary_text, text_text), x in zip(pairs, values):
        assert binary == text, (x, binary_text, text_text)
        # Same number, written in its shortest form (no padding zeros from the fixed width).
        assert binary_text == format(text.normalize(), "f"), x


def test_it_rounds_to_the_configured_number_of_decimals(pg_conn, staging):
    rows = ValueRows([1, 2, 3], [0, 0, 0], [1.23456, -0.005, 2.5])
    copy_binary(pg_conn, f"{staging}_bin", rows, decimals=2)

    stored = pg_conn.execute(sql.SQL("SELECT value_n::text FROM {} ORDER BY entity_id")
                             .format(sql.Identifier(f"{staging}_bin"))).fetchall()

    assert [r[0] for r in stored] == ["1.23", "0", "2.5"]  # -0.005 rounds (half-even) to 0


def test_it_writes_every_null_pattern_status_and_the_per_row_columns(pg_conn, staging):
    rows = ValueRows.from_records([
        {"ts": "2024-01-01T00:00:00Z", "entity_id": 1, "value_n": 21.5, "status": "ok"},
        {"ts": "2024-01-01T00:00:00Z", "entity_id": 2, "value_b": False, "status": "stale"},
        {"ts": "2024-01-01T00:00:00Z", "entity_id": 3},
        {"ts": "2024-01-01T00:00:00.25Z", "entity_id": 4, "value_n": -3.0, "value_b": True,
         "status": ""},
        {"ts": "1999-12-31T23:59:59Z", "entity_id": 5, "value_s": "Ünïcode ✓",
         "value_ts": "1970-01-01T00:00:00Z", "status": "fault"},
        {"ts": "2030-06-01T12:00:00Z", "entity_id": 6, "value_n": 7e12, "status": "down"},
    ])
    copy_binary(pg_conn, f"{staging}_bin", rows)

    stored = pg_conn.execute(sql.SQL(
        "SELECT entity_id, ts::text, value_n::text, value_b, value_s, value_ts::text, status "
        "FROM {} ORDER BY entity_id").format(sql.Identifier(f"{staging}_bin"))).fetchall()

    assert stored == [
        (1, "2024-01-01 00:00:00", "21.5", None, None, None, "ok"),
        (2, "2024-01-01 00:00:00", None, False, None, None, "stale"),
        (3, "2024-01-01 00:00:00", None, None, None, None, None),
        (4, "2024-01-01 00:00:00.25", "-3", True, None, None, ""),
        (5, "1999-12-31 23:59:59", None, None, "Ünïcode ✓", "1970-01-01 00:00:00", "fault"),
        (6, "2030-06-01 12:00:00", "7000000000000", None, None, None, "down"),
    ]


@pytest.mark.parametrize("text", ["0", "-0.000", "1", "10000", "-12345.6789", "0.00001",
                                  "123456789012345678.5", "1E+5", "5E-9", "-0.5"])
def test_it_encodes_decimals_as_postgres_does(pg_conn, text):
    ours = numeric_from_decimal(Decimal(text))
    theirs = bytes(pg_conn.execute("SELECT numeric_send(%s::numeric)", (text,)).fetchone()[0])

    assert _decode_numeric(ours) == _decode_numeric(theirs)


def _decode_numeric(field):
    """(value, dscale) of a numeric in wire format: an independent decoder for the test."""
    import struct

    ndigits, weight, sign, dscale = struct.unpack(">hhHH", field[:8])
    digits = struct.unpack(f">{ndigits}h", field[8:8 + 2 * ndigits])
    value = sum(Decimal(d) * Decimal(10000) ** (weight - i) for i, d in enumerate(digits))
    return (-value if sign == 0x4000 else value), dscale


def test_it_stores_huge_values_whole_instead_of_overflowing(pg_conn, staging):
    rows = ValueRows([1, 2], [0, 0], [1.5e300, -9.9e307])
    copy_binary(pg_conn, f"{staging}_bin", rows)

    stored = pg_conn.execute(sql.SQL("SELECT value_n FROM {} ORDER BY entity_id")
                             .format(sql.Identifier(f"{staging}_bin"))).fetchall()

    assert [r[0] for r in stored] == [Decimal("1.5e300"), Decimal("-9.9e307")]
    assert rows.rounded(6).tolist() == [1.5e300, -9.9e307]
