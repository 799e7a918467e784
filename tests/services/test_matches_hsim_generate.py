"""What a simulator writes equals, value for value, what `hsim_generate` prints."""

import csv
import io
from decimal import Decimal

from django.core.management import call_command
from django.db import connection

from simulator_app.models import SimulatorEntity
from simulator_app.services import backfill

from .conftest import T0

START, END = "2026-03-01T00:00:00Z", "2026-03-01T06:00:00Z"


def db_rows(simulator):
    keys = dict(
        SimulatorEntity.objects.filter(simulator=simulator, is_point=True).values_list("entity_id", "key")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT entity_id, to_char(ts, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), value_n::text,"
            f" value_b, value_s, status FROM core.values_{simulator.org.key}"
        )
        return {
            (ts, keys[entity]): (None if vn is None else Decimal(vn), vb, vs, status)
            for entity, ts, vn, vb, vs, status in cursor.fetchall()
        }


def csv_rows(**options):
    out = io.StringIO()
    call_command("hsim_generate", start=START, end=END, stdout=out, **options)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    assert reader.fieldnames == ["ts", "point", "value_n", "value_b", "value_s", "status"]
    return {
        (r["ts"], r["point"]): (
            Decimal(r["value_n"]) if r["value_n"] else None,
            {"": None, "true": True, "false": False}[r["value_b"]],
            r["value_s"] or None,
            r["status"],
        )
        for r in reader
    }


def test_backfilled_rows_equal_the_generate_command_value_for_value(simulator):
    job = backfill.create_job(simulator, *[T0.fromisoformat(t) for t in (START, END)], now=T0)
    backfill.run_job(job.id)
    stored, printed = db_rows(simulator), csv_rows()
    assert len(printed) > 24 * 400
    assert stored.keys() == printed.keys()
    different = [(k, stored[k], printed[k]) for k in printed if stored[k] != printed[k]]
    assert different == []
