"""Fault labels through the API equal the engine's, survive a spec change, and a fault injected
at run time shapes the data from its onset on (and nowhere before) and is labelled."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from simulator_app import engine
from simulator_app.models import ActivityLog, FaultEpisode, OrgMembership, SimulatorEntity
from simulator_app.services.simulator_config import spec_of
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING, assert_error, client_for, make_user
from .readings import (  # noqa: F401 (fixtures)
    END, START, backend, filled, generate, iso, json_rows, streamed,
)

W0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
W1 = datetime(2028, 1, 1, tzinfo=timezone.utc)


def labels_of(api, simulator, start, end):
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": iso(start), "end": iso(end)})
    assert response.status_code == 200, response.content
    return response.json()["labels"]


def epoch(text):
    return None if text is None else int(datetime.fromisoformat(text).timestamp())


def as_engine(labels, window_end):
    """API labels in the engine's terms (an open label lasts to the window's end)."""
    return [engine.Label(l["kind"], l["entity"], epoch(l["start"]),
                         int(window_end.timestamp()) if l["end"] is None else epoch(l["end"]),
                         l["severity"], point=l["point"], magnitude=l["magnitude"])
            for l in labels]


def test_labels_equal_the_engines_for_the_window(api, simulator):
    found = labels_of(api, simulator, W0, W1)
    expected = engine.labels(spec_of(simulator), W0, W1, anomalies=False)
    assert len(expected) >= 3
    assert sorted(as_engine(found, W1), key=repr) == sorted(expected, key=repr)
    ids = dict(SimulatorEntity.objects.filter(simulator=simulator).values_list("key", "entity_id"))
    for label in found:
        assert label["entity_id"] == ids[label["entity"]]
        assert label["points"] and all(p.startswith(label["entity"] + ".") for p in label["points"])
        assert label["source"] == "spec"


def test_a_window_with_no_episode_has_no_labels(api, simulator):
    assert labels_of(api, simulator, datetime(2026, 3, 1, tzinfo=timezone.utc),
                     datetime(2026, 3, 2, tzinfo=timezone.utc)) == []


def with_faults(faults):
    return {**SMALL_BUILDING, "faults": faults}


OLD_FAULT = {"type": "schedule_override", "equip": "ahu-1", "severity": 1.0,
             "start": iso(START - timedelta(days=1)), "end": iso(END + timedelta(days=10))}
NEW_FAULT = {"type": "leaking_valve", "equip": "ahu-1", "severity": 0.4,
             "start": iso(END + timedelta(days=1)), "end": None}


def test_labels_of_data_generated_under_an_old_spec_stay_the_old_specs(api, org, backend):
    simulator = create_simulator(org, "Annex", with_faults([OLD_FAULT]), 15)
    generate(simulator, START, END)
    old_spec = spec_of(simulator)
    response = api.post(f"/simulator/state/{simulator.poller_id}",
                        {"building_config": with_faults([NEW_FAULT])}, format="json")
    assert response.status_code == 200, response.content
    simulator.refresh_from_db()
    early = START - timedelta(days=3)
    before = labels_of(api, simulator, early, END)
    # the old spec's episode, ending where the old spec stopped generating
    expected = [engine.Label(l.fault, l.entity, l.start, min(l.end, int(END.timestamp())),
                             l.severity) for l in engine.labels(old_spec, early, END, anomalies=False)]
    assert as_engine(before, END) == expected
    late = END + timedelta(days=30)
    after = labels_of(api, simulator, END, late)
    assert as_engine(after, late) == engine.labels(spec_of(simulator), END, late, anomalies=False)
    assert [l["kind"] for l in labels_of(api, simulator, early, late)] == [
        "schedule_override", "leaking_valve"]


def test_an_episode_in_both_specs_stays_one_label_across_the_change(api, org):
    simulator = create_simulator(org, "Annex", with_faults([OLD_FAULT]), 15)
    generate(simulator, START, END)
    response = api.post(f"/simulator/state/{simulator.poller_id}",
                        {"building_config": with_faults([OLD_FAULT, NEW_FAULT]),
                         "interval_minutes": 15}, format="json")
    assert response.status_code == 200, response.content
    found = labels_of(api, simulator, START - timedelta(days=3), END + timedelta(days=30))
    override = [l for l in found if l["kind"] == "schedule_override"]
    assert [(l["start"], l["end"]) for l in override] == [(OLD_FAULT["start"], OLD_FAULT["end"])]


# --- injection ----------------------------------------------------------------------------

ONSET = END + timedelta(hours=2)
LATER = END + timedelta(hours=6)


def inject(api, simulator, **body):
    return api.post(f"/simulator/faults/{simulator.poller_id}", body, format="json")


def test_an_injected_fault_shapes_the_data_from_its_onset_on_and_is_labelled(api, org, backend):
    faulty = create_simulator(org, "Faulty", SMALL_BUILDING, 15)
    twin = create_simulator(org, "Twin", SMALL_BUILDING, 15)  # same spec and seed: same data
    for simulator in (faulty, twin):
        generate(simulator, START, END)
    response = inject(api, faulty, kind="sensor_bias", target="ahu-1.discharge-air-temp",
                      severity=1.0, onset=iso(ONSET), ramp_minutes=0)
    assert response.status_code == 201, response.content
    episode = response.json()
    assert (episode["kind"], episode["target"], episode["onset"]) == (
        "sensor_bias", "ahu-1.discharge-air-temp", iso(ONSET))
    for simulator in (faulty, twin):
        generate(simulator, END, LATER)

    def rows(simulator):
        return json_rows(json.loads(streamed(api.get(
            f"/simulator/history/{simulator.poller_id}",
            {"start": iso(START), "end": iso(LATER)}))))

    mine, theirs = rows(faulty), rows(twin)
    assert mine.keys() == theirs.keys()
    changed = {k for k in mine if mine[k] != theirs[k]}
    assert changed, "the fault changed nothing"
    assert min(ts for ts, _ in changed) >= iso(ONSET)  # nothing before the onset
    biased = [k for k in mine if k[1] == "ahu-1.discharge-air-temp" and k[0] >= iso(ONSET)]
    assert len(biased) == 16 and all(k in changed for k in biased)
    assert all(abs(mine[k][0] - theirs[k][0] - 5.0) < 1e-6 for k in biased)

    found = labels_of(api, faulty, START, LATER)
    assert [(l["kind"], l["entity"], l["start"], l["end"], l["source"], l["points"])
            for l in found] == [("sensor_bias", "ahu-1.discharge-air-temp", iso(ONSET), None,
                                 "injected", ["ahu-1.discharge-air-temp"])]
    assert labels_of(api, twin, START, LATER) == []
    listed = api.get(f"/simulator/faults/{faulty.poller_id}").json()
    assert [e["id"] for e in listed] == [episode["id"]]
    change = ActivityLog.objects.filter(simulator_id=faulty.poller_id,
                                        event_type="config_change").get()
    assert change.details["fault_injected"]["target"] == "ahu-1.discharge-air-temp"
    assert "fault injected" in change.message


def test_an_injected_fault_defaults_to_now_and_equipment_faults_label_their_points(api, org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    before = datetime.now(timezone.utc)
    response = inject(api, simulator, kind="stuck_damper", target="vav-01-north",
                      severity=0.8, ramp_minutes=30, end=iso(W1))
    assert response.status_code == 201, response.content
    onset = datetime.fromisoformat(response.json()["onset"])
    assert before <= onset <= datetime.now(timezone.utc)
    (label,) = labels_of(api, simulator, before - timedelta(hours=1), before + timedelta(days=1))
    assert label["entity"] == "vav-01-north" and label["end"] == iso(W1)
    points = SimulatorEntity.objects.filter(simulator=simulator, is_point=True,
                                            key__startswith="vav-01-north.")
    assert sorted(label["points"]) == sorted(points.values_list("key", flat=True))


@pytest.mark.parametrize("body, field", [
    ({"kind": "gremlins", "target": "ahu-1"}, "kind"),
    ({"kind": "stuck_damper", "target": "vav-99-nowhere"}, "target"),
    ({"kind": "stuck_damper", "target": "ahu-1"}, "target"),
    ({"kind": "sensor_bias", "target": "ahu-1.fan-run"}, "target"),
    ({"kind": "leaking_valve", "target": "ahu-1.discharge-air-temp"}, "target"),
    ({"kind": "leaking_valve", "target": "ahu-1", "severity": 2}, "severity"),
    ({"kind": "leaking_valve", "target": "ahu-1", "ramp_minutes": -5}, "ramp_minutes"),
    ({"kind": "leaking_valve", "target": "ahu-1", "onset": iso(START)}, "onset"),
    ({"kind": "leaking_valve", "target": "ahu-1", "onset": iso(LATER), "end": iso(ONSET)},
     "end"),
    ({"kind": "leaking_valve", "target": "ahu-1", "onset": "soon"}, "onset"),
    ({"target": "ahu-1"}, "kind"),
])
def test_a_bad_fault_is_a_400_naming_the_field_and_changes_nothing(api, filled, body, field):
    config = filled.config
    events = ActivityLog.objects.count()
    assert_error(inject(api, filled, **body), 400, field=field)
    filled.refresh_from_db()
    assert filled.config == config
    assert FaultEpisode.objects.count() == 0 and ActivityLog.objects.count() == events


def test_only_members_inject_faults_and_other_orgs_see_nothing(filled, org, other_org):
    viewer = client_for(make_user("viewer", org, role=OrgMembership.VIEWER))
    outsider = client_for(make_user("outsider", other_org))
    body = {"kind": "leaking_valve", "target": "ahu-1"}
    assert_error(inject(viewer, filled, **body), 403)
    assert_error(inject(outsider, filled, **body), 404)
    assert_error(outsider.get(f"/simulator/faults/{filled.poller_id}"), 404)
    assert_error(outsider.get(f"/simulator/labels/{filled.poller_id}"), 404)
    assert FaultEpisode.objects.count() == 0
    assert viewer.get(f"/simulator/labels/{filled.poller_id}").status_code == 200


@pytest.mark.parametrize("params, field", [
    ({"start": "x"}, "start"), ({"start": iso(END), "end": iso(START)}, "end")])
def test_a_bad_label_window_is_a_400(api, simulator, params, field):
    assert_error(api.get(f"/simulator/labels/{simulator.poller_id}", params), 400, field=field)


def test_a_reset_that_deletes_the_data_forgets_the_old_specs(api, org):
    simulator = create_simulator(org, "Annex", with_faults([OLD_FAULT]), 15)
    generate(simulator, START, END)
    api.post(f"/simulator/state/{simulator.poller_id}",
             {"building_config": with_faults([NEW_FAULT])}, format="json")
    early, late = START - timedelta(days=3), END + timedelta(days=30)
    assert len(labels_of(api, simulator, early, late)) == 2
    response = api.post(f"/simulator/reset/{simulator.poller_id}", {"clear_data": True},
                        format="json")
    assert response.status_code == 200, response.content
    assert [l["kind"] for l in labels_of(api, simulator, early, late)] == ["leaking_valve"]


def test_anomaly_labels_are_the_engines_beyond_the_faults(api, simulator):
    start, end = datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(
        2026, 3, 8, tzinfo=timezone.utc)
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": iso(start), "end": iso(end), "anomalies": "true"})
    assert response.status_code == 200, response.content
    served = sorted((l["kind"], l["entity"], epoch(l["start"]), epoch(l["end"]))
                    for l in response.json()["labels"])
    expected = sorted((l.fault, l.entity, l.start, l.end)
                      for l in engine.labels(spec_of(simulator), start, end))
    assert served == expected
    assert labels_of(api, simulator, start, end) == [
        l for l in response.json()["labels"] if l["kind"] in engine.faults.FAULT_TARGETS]


def test_anomaly_labels_of_more_than_a_month_are_a_400(api, simulator):
    assert_error(api.get(f"/simulator/labels/{simulator.poller_id}", {
        "start": iso(W0), "end": iso(W1), "anomalies": "true"}), 400, field="end")
    assert_error(api.get(f"/simulator/labels/{simulator.poller_id}", {
        "anomalies": "perhaps"}), 400, field="anomalies")
