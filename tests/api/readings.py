"""Helpers of the reading tests (points, history, labels, faults): a simulator with data in
the primary value database, on PostgreSQL (the project database) or on a SQLite file."""

import csv
import io
import json
from datetime import datetime, timezone

import pytest
from django.core.management import call_command
from django.test import override_settings

from simulator_app.services import runtime
from simulator_app.services.simulator_config import spec_of
from simulator_app.services.simulators import create_simulator
from simulator_app.services.tick import generate_window
from simulator_app.services.value_databases import open_database, value_database_configs

from .conftest import SMALL_BUILDING

START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
END = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(params=["postgresql", "sqlite"])
def backend(request, tmp_path):
    """The primary value database: the project's PostgreSQL, or a SQLite file (the embedded
    default's kind of value database) - every read goes through the same query module."""
    if request.param == "postgresql":
        yield "postgresql"
        return
    databases = [{"key": "default", "url": f"sqlite:///{tmp_path / 'values.sqlite3'}",
                  "primary": True}]
    with override_settings(HSIM_VALUE_DATABASES=databases):
        yield "sqlite"


def generate(simulator, start, end):
    """Generate and write [start, end) the way ticks do (continuing the simulator)."""
    result = generate_window(runtime.load(simulator.poller_id), int(start.timestamp()),
                             int(end.timestamp()))
    assert result.outcome == "generated", result
    return result


@pytest.fixture
def filled(org, backend):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    generate(simulator, START, END)
    primary = next(c for c in value_database_configs() if c["primary"])
    assert open_database(primary).kind == backend  # the rows live where the test says
    return simulator


def generated_csv(simulator, start, end, tmp_path):
    """hsim_generate's rows for the simulator's spec: {(ts, point): (vn, vb, vs, status)}."""
    config = tmp_path / "spec.json"
    config.write_text(json.dumps(spec_of(simulator).to_dict()))
    out = io.StringIO()
    call_command("hsim_generate", config=str(config), start=iso(start), end=iso(end),
                 stdout=out)
    return csv_rows(out.getvalue())


def csv_rows(text):
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == ["ts", "point", "value_n", "value_b", "value_s", "status"]
    return {(r["ts"], r["point"]): (float(r["value_n"]) if r["value_n"] else None,
                                    {"": None, "true": True, "false": False}[r["value_b"]],
                                    r["value_s"] or None, r["status"]) for r in reader}


def json_rows(body):
    return {(row[0], series["point"]): tuple(row[1:])
            for series in body["series"] for row in series["rows"]}


def streamed(response):
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()
