"""Fault labels say everything the engine's label says (point, magnitude, severity) and the
fault's mode, through the API and `hsim_generate --labels` alike; a fault injected at run time
takes a mode and a magnitude, validated by the spec's own rules, and lists them; the admin
saves and injects the new kinds and modes."""

import csv
import io
import json
from datetime import datetime, timezone

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from simulator_app import engine
from simulator_app.engine.spec import FAULT_MODES
from simulator_app.models import ActivityLog, FaultEpisode, Simulator
from simulator_app.services.simulator_config import spec_of
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING, assert_error
from .readings import END, START, generate, iso

W0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
W1 = datetime(2026, 9, 1, tzinfo=timezone.utc)
JUL = "2026-07-{:02d}T00:00:00Z".format

NEW_KINDS = [
    {"type": "duct_static_sensor", "equip": "ahu-1", "start": JUL(1), "end": JUL(5),
     "severity": 0.5, "magnitude": -0.4},
    {"type": "duct_static_sensor", "equip": "ahu-1", "start": JUL(6), "end": JUL(8),
     "severity": 1.0, "mode": "stuck", "magnitude": 0.3},
    {"type": "meter_fault", "equip": "plug-meter", "start": JUL(2), "end": JUL(9),
     "severity": 0.5, "mode": "scale", "magnitude": 1.2},
    {"type": "coil_fouling", "equip": "ahu-1", "start": JUL(3), "end": None, "severity": 0.5,
     "ramp_days": 2},
    {"type": "pump_failure", "equip": "chw-pump", "start": JUL(10), "end": JUL(11),
     "severity": 0.3},
    {"type": "setpoint_misconfig", "equip": "vav-01-north", "start": JUL(12), "end": JUL(20),
     "severity": 1.0, "mode": "deadband", "magnitude": 1.0},
    {"type": "schedule_misconfig", "equip": "ahu-1", "start": JUL(21), "end": JUL(22),
     "severity": 1.0},
    {"type": "stuck_damper", "equip": "vav-01-north", "start": JUL(23), "end": JUL(24),
     "severity": 0.8},
]
BUILDING = {**SMALL_BUILDING, "faults": NEW_KINDS}


def epoch(text):
    return None if text is None else int(datetime.fromisoformat(text).timestamp())


def labels_of(api, simulator, start=W0, end=W1):
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": iso(start), "end": iso(end)})
    assert response.status_code == 200, response.content
    return response.json()["labels"]


def spec_mode(fault):
    modes = FAULT_MODES.get(fault["type"])
    return None if modes is None else fault.get("mode", modes[0])


def test_fault_labels_carry_the_engines_point_magnitude_and_the_faults_mode(api, org):
    simulator = create_simulator(org, "Annex", BUILDING, 15)
    found = labels_of(api, simulator)
    expected = engine.labels(spec_of(simulator), W0, W1, anomalies=False)
    assert len(found) == len(expected) == len(NEW_KINDS)
    by_start = {(l.fault, l.start): l for l in expected}
    for label in found:
        engine_label = by_start[(label["kind"], epoch(label["start"]))]
        assert (label["severity"], label["point"], label["magnitude"]) == (
            engine_label.severity, engine_label.point, engine_label.magnitude)
        fault = next(f for f in NEW_KINDS
                     if (f["type"], f["start"]) == (label["kind"], label["start"]))
        assert label["mode"] == spec_mode(fault)
    duct = [l for l in found if l["kind"] == "duct_static_sensor"]
    assert [(l["point"], l["mode"], l["magnitude"]) for l in duct] == [
        ("ahu-1.duct-static-pressure", "bias", pytest.approx(-0.2)),  # severity x magnitude
        ("ahu-1.duct-static-pressure", "stuck", pytest.approx(0.3))]  # a stuck reading as is
    coil = next(l for l in found if l["kind"] == "coil_fouling")
    assert coil["magnitude"] == pytest.approx(0.5 * 0.6) and coil["mode"] is None
    assert coil["end"] is None  # open-ended
    damper = next(l for l in found if l["kind"] == "stuck_damper")
    assert (damper["point"], damper["magnitude"], damper["mode"]) == (None, None, None)


def test_hsim_generate_labels_write_the_apis_fields(api, org, tmp_path):
    simulator = create_simulator(org, "Annex", BUILDING, 15)
    config = tmp_path / "building.json"
    config.write_text(json.dumps(spec_of(simulator).to_dict()))
    out = io.StringIO()
    call_command("hsim_generate", "--config", str(config), "--start", iso(W0), "--end", iso(W1),
                 "--labels", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["fault", "entity", "start", "end", "severity", "point",
                             "magnitude", "mode"]

    def cell(value):
        return "" if value is None else str(value)

    served = [[l["kind"], l["entity"], l["start"], l["end"] or iso(W1), cell(l["severity"]),
               cell(l["point"]), cell(l["magnitude"]), cell(l["mode"])]
              for l in labels_of(api, simulator)]
    assert sorted(served) == sorted(list(row.values()) for row in rows)
    assert any(row["mode"] == "deadband" and row["magnitude"] == "1.0" for row in rows)


def test_anomaly_labels_name_their_point_and_no_mode(api, org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    start, end = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 3, 8,
                                                                     tzinfo=timezone.utc)
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": iso(start), "end": iso(end), "anomalies": "true"})
    anomalies = [l for l in response.json()["labels"]
                 if l["kind"] not in engine.faults.FAULT_TARGETS]
    assert anomalies
    expected = {(l.fault, l.entity, l.start): l for l in engine.labels(spec_of(simulator),
                                                                     start, end)}
    for label in anomalies:
        engine_label = expected[(label["kind"], label["entity"], epoch(label["start"]))]
        assert (label["point"], label["magnitude"], label["mode"]) == (
            engine_label.point, engine_label.magnitude, None)


# --- injection ----------------------------------------------------------------------------

ONSET = iso(datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))


def inject(api, simulator, **body):
    return api.post(f"/simulator/faults/{simulator.poller_id}", body, format="json")


def test_an_injected_fault_takes_a_mode_and_a_magnitude_and_lists_them(api, org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    generate(simulator, START, END)
    response = inject(api, simulator, kind="meter_fault", target="plug-meter", severity=0.4,
                      onset=ONSET, mode="spike", magnitude=2.0)
    assert response.status_code == 201, response.content
    assert (response.json()["mode"], response.json()["magnitude"]) == ("spike", 2.0)
    # no mode, no magnitude: the kind's defaults, as the engine applies them
    response = inject(api, simulator, kind="coil_fouling", target="ahu-1", onset=ONSET)
    assert response.status_code == 201, response.content
    assert (response.json()["mode"], response.json()["magnitude"]) == (None, 0.6)

    listed = api.get(f"/simulator/faults/{simulator.poller_id}").json()
    assert sorted((e["kind"], e["mode"], e["magnitude"]) for e in listed) == [
        ("coil_fouling", None, 0.6), ("meter_fault", "spike", 2.0)]
    simulator.refresh_from_db()
    (fault,) = [f for f in spec_of(simulator).faults if f.type == "meter_fault"]
    assert (fault.mode, fault.magnitude) == ("spike", 2.0)  # the spec runs them
    found = labels_of(api, simulator, START, datetime(2026, 3, 3, tzinfo=timezone.utc))
    meter = next(l for l in found if l["kind"] == "meter_fault")
    assert (meter["mode"], meter["magnitude"], meter["source"]) == ("spike", 2.0, "injected")


def test_an_injected_faults_mode_outlives_a_later_spec_change(api, org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    generate(simulator, START, END)
    assert inject(api, simulator, kind="duct_static_sensor", target="ahu-1", onset=ONSET,
                  mode="stuck", magnitude=0.2).status_code == 201
    generate(simulator, END, datetime(2026, 3, 2, 12, tzinfo=timezone.utc))
    response = api.post(f"/simulator/state/{simulator.poller_id}",
                        {"building_config": {**SMALL_BUILDING, "faults": []}}, format="json")
    assert response.status_code == 200, response.content
    (listed,) = api.get(f"/simulator/faults/{simulator.poller_id}").json()
    assert (listed["mode"], listed["magnitude"]) == ("stuck", 0.2)  # the old epoch's spec


def spec_message(fault, field):
    """What the spec's validation says about the same fault in a building spec."""
    with pytest.raises(engine.SpecError) as caught:
        engine.parse_spec({**SMALL_BUILDING, "faults": [fault]})
    messages = {e["field"]: e["message"] for e in caught.value.errors}
    return messages.get(f"faults.0.{field}", messages.get("faults.0"))


@pytest.mark.parametrize("body, field", [
    ({"kind": "leaking_valve", "target": "ahu-1", "mode": "bias"}, "mode"),
    ({"kind": "meter_fault", "target": "plug-meter", "mode": "sideways"}, "mode"),
    ({"kind": "coil_fouling", "target": "ahu-1", "magnitude": 1.5}, "magnitude"),
    ({"kind": "setpoint_misconfig", "target": "vav-01-north", "mode": "deadband",
      "magnitude": 20}, "magnitude"),
    ({"kind": "leaking_valve", "target": "ahu-1", "magnitude": 2}, "magnitude"),
    ({"kind": "meter_fault", "target": "plug-meter", "mode": "scale", "magnitude": -1},
     "magnitude"),
])
def test_a_bad_mode_or_magnitude_is_the_specs_400_on_that_field_and_changes_nothing(
        api, simulator, body, field):
    config, events = simulator.config, ActivityLog.objects.count()
    response = inject(api, simulator, onset=ONSET, **body)
    error = assert_error(response, 400, field=field)
    fault = {"type": body["kind"], "equip": body["target"], "start": ONSET,
             **{k: body[k] for k in ("mode", "magnitude") if k in body}}
    assert error["errors"][field] == [spec_message(fault, field)]
    simulator.refresh_from_db()
    assert simulator.config == config
    assert FaultEpisode.objects.count() == 0 and ActivityLog.objects.count() == events


# --- admin ----------------------------------------------------------------------------------

def test_the_admin_saves_a_config_with_the_new_kinds_and_modes(admin_client, simulator):
    config = json.loads(simulator.config)
    config["building_config"]["faults"] = NEW_KINDS
    response = admin_client.post(
        reverse("admin:simulator_app_simulator_change", args=[simulator.pk]),
        {"org": simulator.org_id, "poller_name": "Annex", "config": json.dumps(config),
         "status": "active"})
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = json.loads(Simulator.objects.get(pk=simulator.pk).config)["building_config"]
    assert [(f["type"], f["mode"], f["magnitude"]) for f in saved["faults"]] == [
        (f["type"], f.get("mode"), f.get("magnitude")) for f in NEW_KINDS]


def test_the_admin_refuses_a_config_with_a_bad_mode(admin_client, simulator):
    config = json.loads(simulator.config)
    config["building_config"]["faults"] = [{**NEW_KINDS[2], "mode": "sideways"}]
    response = admin_client.post(
        reverse("admin:simulator_app_simulator_change", args=[simulator.pk]),
        {"org": simulator.org_id, "poller_name": "Annex", "config": json.dumps(config),
         "status": "active"})
    assert response.status_code == 200
    assert "meter_fault mode is one of stuck, scale, spike" in response.content.decode()
    assert json.loads(Simulator.objects.get(pk=simulator.pk).config) != config


def act(admin_client, simulator, **form):
    return admin_client.post(reverse("admin:simulator_app_simulator_changelist"), {
        "action": "inject_fault", "_selected_action": [simulator.pk], **form}, follow=True)


def test_the_admin_injects_every_kind_with_a_mode_and_a_magnitude(admin_client, simulator):
    page = act(admin_client, simulator).content.decode()
    for kind in engine.faults.FAULT_TARGETS:
        assert f'value="{kind}"' in page
    for modes in FAULT_MODES.values():
        assert all(f'value="{m}"' in page for m in modes)
    response = act(admin_client, simulator, apply="Inject", kind="schedule_misconfig",
                   target="ahu-1", severity="1", ramp_minutes="0", mode="shift",
                   magnitude="-1.5", onset="", end="")
    assert "Fault injected: Annex" in response.content.decode()
    simulator.refresh_from_db()
    (fault,) = [f for f in spec_of(simulator).faults if f.type == "schedule_misconfig"]
    assert (fault.mode, fault.magnitude) == ("shift", -1.5)
    response = act(admin_client, simulator, apply="Inject", kind="pump_failure",
                   target="chw-pump", severity="0.5", ramp_minutes="0", mode="shift",
                   magnitude="", onset="", end="")
    assert "Not injected" in response.content.decode()
    assert "mode applies to" in response.content.decode()
    assert FaultEpisode.objects.count() == 1


def test_the_schema_documents_the_label_and_injection_fields(db):
    schema = yaml.safe_load(Client().get("/api/schema/").content)["components"]["schemas"]
    assert {"point", "magnitude", "mode"} <= set(schema["Label"]["required"])
    assert {"mode", "magnitude"} <= set(schema["FaultRequestRequest"]["properties"])
    assert {"mode", "magnitude"} <= set(schema["FaultEpisode"]["required"])
    assert "deadband" in schema["Label"]["properties"]["mode"]["description"]
