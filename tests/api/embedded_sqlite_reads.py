"""Run by test_readings_on_embedded_sqlite.py in a fresh process on the embedded default (the
project database and the value tables in one SQLite file): the reading endpoints end to end.
Prints one JSON object of findings; the test asserts on them."""

import csv
import io
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from simulator_app import engine  # noqa: E402
from simulator_app.services import runtime  # noqa: E402
from simulator_app.services.orgs import create_org  # noqa: E402
from simulator_app.services.simulator_config import spec_of  # noqa: E402
from simulator_app.services.simulators import create_simulator  # noqa: E402
from simulator_app.services.tick import generate_window  # noqa: E402

BUILDING = {"site": {"name": "Annex", "floors": 1},
            "equipment": {"ahu_count": 1, "zone_orientations": ["north"],
                          "chillers": {"count": 1}, "boilers": {"count": 1}}}
START = datetime(2026, 3, 2, tzinfo=timezone.utc)
END = START + timedelta(hours=6)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def rows_of_csv(text):
    return {(r["ts"], r["point"]): (r["value_n"] and float(r["value_n"]), r["value_b"],
                                    r["status"]) for r in csv.DictReader(io.StringIO(text))}


def body(response):
    return b"".join(response.streaming_content).decode()


def main():
    call_command("migrate", verbosity=0)
    found = {"vendor": connection.vendor}
    simulator = create_simulator(create_org("lite"), "Annex", BUILDING, 15)
    generate_window(runtime.load(simulator.poller_id), int(START.timestamp()),
                    int(END.timestamp()))
    client = Client()
    client.force_login(get_user_model().objects.create_user("root", is_staff=True))
    url = f"/simulator/history/{simulator.poller_id}"
    window = {"start": START.strftime(ISO), "end": END.strftime(ISO)}
    served = rows_of_csv(body(client.get(url, {**window, "format": "csv"})))
    config = Path(os.environ["HSIM_VAR_DIR"]) / "spec.json"
    config.write_text(json.dumps(spec_of(simulator).to_dict()))
    out = io.StringIO()
    call_command("hsim_generate", config=str(config), stdout=out, **window)
    printed = rows_of_csv(out.getvalue())
    found["history_rows"] = len(served)
    found["history_equals_generate"] = served == printed
    raw = json.loads(body(client.get(url, {**window, "point": "weather.air-temp"})))
    rolled = json.loads(body(client.get(url, {**window, "point": "weather.air-temp",
                                              "rollup": "1h", "fn": "max"})))
    expected = {}
    for ts, value, *_ in raw["series"][0]["rows"]:
        hour = ts[:13] + ":00:00Z"
        expected[hour] = max(expected.get(hour, value), value)
    found["rollup_equals_python"] = {r[0]: r[1] for r in rolled["series"][0]["rows"]} == expected
    w0, w1 = datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2028, 1, 1, tzinfo=timezone.utc)
    labels = client.get(f"/simulator/labels/{simulator.poller_id}",
                        {"start": w0.strftime(ISO), "end": w1.strftime(ISO)}).json()["labels"]
    found["labels_equal_engine"] = sorted(
        (l["kind"], l["entity"], l["severity"]) for l in labels) == sorted(
        (l.fault, l.entity, l.severity) for l in engine.labels(spec_of(simulator), w0, w1, anomalies=False))
    injected = client.post(f"/simulator/faults/{simulator.poller_id}",
                           {"kind": "leaking_valve", "target": "ahu-1",
                            "onset": (END + timedelta(hours=1)).strftime(ISO)},
                           content_type="application/json")
    found["inject_status"] = injected.status_code
    labels = client.get(f"/simulator/labels/{simulator.poller_id}",
                        {"start": END.strftime(ISO),
                         "end": (END + timedelta(days=1)).strftime(ISO)}).json()["labels"]
    found["injected_labelled"] = [l["source"] for l in labels] == ["injected"]
    metrics = client.get("/metrics").content.decode()
    ticks = [s.value for f in text_string_to_metric_families(metrics) for s in f.samples
             if s.name == "hsim_simulator_ticks_total"]
    found["metrics_ticks"] = ticks
    print(json.dumps(found))


if __name__ == "__main__":
    main()
