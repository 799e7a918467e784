"""Text UTF-8 cannot encode (a lone surrogate: JSON's "\\ud800") never crashes a writer with a
UnicodeEncodeError: ValueRows refuses it as InvalidRowsError, naming the column, before any
database is touched; the COPY encoder refuses it the same way for rows built unvalidated."""

import numpy as np
import pytest

from simulator_app.storage import InvalidRowsError, ValueRows, open_value_database
from simulator_app.storage.pg_copy import copy_stream

RECORD = {"ts": "2024-01-01T00:15:00Z", "entity_id": 1, "value_n": 1.5}


@pytest.mark.parametrize("field", ["value_s", "status"])
@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\udc80" * 3])
def test_rows_with_a_lone_surrogate_are_refused_naming_the_column(field, text):
    with pytest.raises(InvalidRowsError, match=f"{field} holds a surrogate"):
        ValueRows.from_records([RECORD, {**RECORD, "entity_id": 2, field: text}])


def test_real_non_ascii_text_is_fine():
    rows = ValueRows.from_records([{**RECORD, "value_s": "Kühlung ❄ \U0001F600",
                                    "status": "défaut"}])
    assert b"".join(copy_stream(rows))  # encodes


@pytest.mark.parametrize("column", ["value_s", "status"])
def test_the_copy_encoder_refuses_unvalidated_rows_with_one(column):
    if column == "value_s":
        rows = ValueRows([1], [0], value_s=np.array(["\ud800"], dtype=object), validate=False)
    else:
        rows = ValueRows([1], [0], status=[0], status_names=("\ud800",), validate=False)
    with pytest.raises(InvalidRowsError, match="surrogate"):
        b"".join(copy_stream(rows))


def test_the_sqlite_writer_writes_nothing_for_such_a_batch(tmp_path):
    database = open_value_database("embedded", f"sqlite:///{tmp_path / 'v.sqlite3'}",
                                   primary=True)
    try:
        with pytest.raises(InvalidRowsError):
            database.write("demo", ValueRows.from_records([RECORD, {**RECORD, "entity_id": 2,
                                                                     "value_s": "\ud800"}]))
        assert len(database.read_rows("demo")) == 0
    finally:
        database.close()
