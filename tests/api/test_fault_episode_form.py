"""An injected fault's mode and magnitude are stored on its FaultEpisode (migration 0011): the
effective ones, as the engine applies them (the kind's defaults where none was given). The
listing and the injection's answer report them from the row, so they outlive the spec fault
they became -- removed by a later change, or pushed out of the configuration epochs searched
by more than faults_runtime.MAX_EPOCHS_SEARCHED changes -- and tell apart two episodes that
differ only in their form. Labels call a spec fault "injected" only when its form matches the
row's. A row written before 0011 (mode and magnitude NULL) still reports them from the spec,
as before, with the same bounded search."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from simulator_app.engine.spec import FAULT_MODES
from simulator_app.models import ConfigEpoch, FaultEpisode
from simulator_app.services import faults_runtime
from simulator_app.services.simulator_config import spec_of
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING
from .readings import END, START, generate, iso

STEP = timedelta(minutes=15)
ONSET = END + timedelta(hours=1)


def inject(api, simulator, **body):
    response = api.post(f"/simulator/faults/{simulator.poller_id}", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def change_spec(api, simulator, building):
    response = api.post(f"/simulator/state/{simulator.poller_id}",
                        {"building_config": building}, format="json")
    assert response.status_code == 200, response.content


def listed(api, simulator):
    """{episode id: (mode, magnitude)} of GET /simulator/faults."""
    response = api.get(f"/simulator/faults/{simulator.poller_id}")
    assert response.status_code == 200, response.content
    return {e["id"]: (e["mode"], e["magnitude"]) for e in response.json()}


def labels_of(api, simulator, start, end):
    response = api.get(f"/simulator/labels/{simulator.poller_id}",
                       {"start": iso(start), "end": iso(end)})
    assert response.status_code == 200, response.content
    return response.json()["labels"]


def current_spec(simulator):
    simulator.refresh_from_db()
    return spec_of(simulator)


def without_the_injected(simulator, before):
    """The simulator's spec with the faults of `before` only (the injected one removed)."""
    return {**current_spec(simulator).to_dict(), "faults": before["faults"]}


def forget_the_form(*episode_ids):
    """Make rows look written before migration 0011."""
    FaultEpisode.objects.filter(id__in=episode_ids).update(mode=None, magnitude=None)


# --- the row stores the effective form ------------------------------------------------------

@pytest.mark.parametrize("body, stored, reported", [
    ({"kind": "meter_fault", "target": "plug-meter", "mode": "spike", "magnitude": 2.0},
     ("spike", 2.0), ("spike", 2.0)),
    ({"kind": "meter_fault", "target": "plug-meter", "mode": "scale"},  # default magnitude
     ("scale", 1.5), ("scale", 1.5)),
    ({"kind": "meter_fault", "target": "plug-meter"},  # default mode: stuck, no magnitude
     ("stuck", None), ("stuck", None)),
    ({"kind": "setpoint_misconfig", "target": "vav-01-north", "mode": "deadband"},
     ("deadband", 0.5), ("deadband", 0.5)),
    ({"kind": "coil_fouling", "target": "ahu-1"},  # one form: "" stored, null reported
     ("", 0.6), (None, 0.6)),
    ({"kind": "coil_fouling", "target": "ahu-1", "magnitude": 0.25}, ("", 0.25), (None, 0.25)),
    ({"kind": "leaking_valve", "target": "ahu-1"}, ("", None), (None, None)),
    ({"kind": "sensor_bias", "target": "ahu-1.discharge-air-temp"}, ("", 5.0), (None, 5.0)),
])
def test_injection_stores_the_mode_and_magnitude_the_engine_applies(
        api, simulator, body, stored, reported):
    answer = inject(api, simulator, **body)
    episode = FaultEpisode.objects.get(id=answer["id"])
    assert (episode.mode, episode.magnitude) == stored
    assert episode.form_recorded and episode.recorded_form() == reported
    assert (answer["mode"], answer["magnitude"]) == reported
    assert listed(api, simulator) == {answer["id"]: reported}
    (fault,) = [f for f in current_spec(simulator).faults
                if f.type == body["kind"] and f.start == episode.onset]
    assert faults_runtime._form(fault) == reported  # what the spec runs


def test_the_mode_column_holds_every_mode_of_the_spec():
    longest = max(len(mode) for modes in FAULT_MODES.values() for mode in modes)
    assert longest <= FaultEpisode._meta.get_field("mode").max_length


def test_a_listing_of_episodes_that_store_their_form_reads_no_spec_epoch(api, simulator):
    generate(simulator, START, END)
    inject(api, simulator, kind="meter_fault", target="plug-meter", mode="spike",
           onset=iso(ONSET))
    table = ConfigEpoch._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert list(listed(api, simulator).values()) == [("spike", 1.0)]
    assert not [q for q in queries.captured_queries if table in q["sql"]]


# --- what the spec search lost ---------------------------------------------------------------

def test_the_form_outlives_the_fault_removed_before_any_data_was_generated(api, simulator):
    """No data yet: a change keeps no epoch, so the old search found the fault nowhere."""
    before = spec_of(simulator).to_dict()
    stuck = inject(api, simulator, kind="duct_static_sensor", target="ahu-1", mode="stuck",
                   magnitude=0.2, onset=iso(ONSET))
    change_spec(api, simulator, without_the_injected(simulator, before))
    assert not [f for f in current_spec(simulator).faults if f.type == "duct_static_sensor"]
    assert not ConfigEpoch.objects.filter(simulator=simulator).exists()
    assert listed(api, simulator) == {stuck["id"]: ("stuck", 0.2)}


def test_the_form_outlives_more_spec_changes_than_the_epochs_searched(api, org):
    simulator = create_simulator(org, "Annex", SMALL_BUILDING, 15)
    before = spec_of(simulator).to_dict()
    generate(simulator, START, END)
    spike = inject(api, simulator, kind="meter_fault", target="plug-meter", severity=0.4,
                   mode="spike", magnitude=2.5, onset=iso(END))
    scale = inject(api, simulator, kind="setpoint_misconfig", target="vav-01-north",
                   onset=iso(END))  # the defaults: offset, -3 °F
    until = END + STEP
    generate(simulator, END, until)  # data under the faults: the epochs keep them
    change_spec(api, simulator, without_the_injected(simulator, before))
    for i in range(faults_runtime.MAX_EPOCHS_SEARCHED + 1):
        generate(simulator, until, until + STEP)
        until += STEP
        change_spec(api, simulator, {**without_the_injected(simulator, before), "seed": 100 + i})
    assert ConfigEpoch.objects.filter(simulator=simulator).count() \
        > faults_runtime.MAX_EPOCHS_SEARCHED + 1
    assert listed(api, simulator) == {spike["id"]: ("spike", 2.5),
                                      scale["id"]: ("offset", -3.0)}
    # the data those faults shaped is still labelled, from the old epoch's spec
    found = [(l["kind"], l["mode"], l["source"]) for l in labels_of(api, simulator, END, until)
             if l["kind"] in ("meter_fault", "setpoint_misconfig")]
    assert sorted(found) == [("meter_fault", "spike", "injected"),
                             ("setpoint_misconfig", "offset", "injected")]


def test_two_episodes_that_differ_only_in_their_form_each_report_their_own(api, simulator):
    """Same kind, target, onset and severity: the old search gave both the first one's."""
    spike = inject(api, simulator, kind="meter_fault", target="plug-meter", mode="spike",
                   magnitude=3.0, onset=iso(ONSET))
    scale = inject(api, simulator, kind="meter_fault", target="plug-meter", mode="scale",
                   magnitude=1.2, onset=iso(ONSET))
    assert listed(api, simulator) == {spike["id"]: ("spike", 3.0), scale["id"]: ("scale", 1.2)}


def test_a_spec_fault_differing_from_an_injected_one_in_its_form_is_not_injected(api, simulator):
    generate(simulator, START, END)
    inject(api, simulator, kind="meter_fault", target="plug-meter", mode="spike",
           onset=iso(ONSET))
    spec = current_spec(simulator).to_dict()
    twin = {**next(f for f in spec["faults"] if f["type"] == "meter_fault"),
            "mode": "scale", "magnitude": 1.2}
    change_spec(api, simulator, {**spec, "faults": [*spec["faults"], twin]})
    found = sorted((l["mode"], l["source"]) for l in labels_of(
        api, simulator, ONSET, ONSET + timedelta(hours=1)) if l["kind"] == "meter_fault")
    assert found == [("scale", "spec"), ("spike", "injected")]


# --- rows written before migration 0011 ---------------------------------------------------

def test_a_row_without_its_form_reports_the_specs(api, simulator):
    generate(simulator, START, END)
    old = inject(api, simulator, kind="meter_fault", target="plug-meter", severity=0.4,
                 mode="spike", magnitude=2.0, onset=iso(ONSET))
    new = inject(api, simulator, kind="coil_fouling", target="ahu-1", onset=iso(ONSET))
    forget_the_form(old["id"])
    assert FaultEpisode.objects.get(id=old["id"]).recorded_form() is None
    assert listed(api, simulator) == {old["id"]: ("spike", 2.0), new["id"]: (None, 0.6)}
    (meter,) = [l for l in labels_of(api, simulator, ONSET, ONSET + timedelta(hours=1))
                if l["kind"] == "meter_fault"]
    assert (meter["mode"], meter["magnitude"], meter["source"]) == ("spike", 2.0, "injected")


def test_a_row_without_its_form_is_found_in_an_old_epoch_within_the_bound(api, simulator):
    before = spec_of(simulator).to_dict()
    generate(simulator, START, END)
    old = inject(api, simulator, kind="duct_static_sensor", target="ahu-1", mode="stuck",
                 magnitude=0.2, onset=iso(END))
    generate(simulator, END, END + STEP)
    change_spec(api, simulator, without_the_injected(simulator, before))
    forget_the_form(old["id"])
    table = ConfigEpoch._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert listed(api, simulator) == {old["id"]: ("stuck", 0.2)}  # the old epoch's spec
    limits = [m and int(m.group(1)) for m in (re.search(r"LIMIT (\d+)", q["sql"])
              for q in queries.captured_queries if table in q["sql"])]
    assert limits == [faults_runtime.EPOCH_PAGE]


def test_a_row_without_its_form_past_the_epochs_searched_reports_none(api, simulator):
    """The old data's limit, kept bounded: such a row's form is lost past the bound."""
    before = spec_of(simulator).to_dict()
    generate(simulator, START, END)
    old = inject(api, simulator, kind="meter_fault", target="plug-meter", mode="spike",
                 magnitude=0.4, onset=iso(END))
    generate(simulator, END, END + STEP)
    change_spec(api, simulator, without_the_injected(simulator, before))
    without = current_spec(simulator).to_dict()
    onset = FaultEpisode.objects.get(id=old["id"]).onset
    ConfigEpoch.objects.bulk_create(
        ConfigEpoch(simulator=simulator, starts_at=onset + timedelta(days=i + 1), spec=without)
        for i in range(faults_runtime.MAX_EPOCHS_SEARCHED + 5))
    forget_the_form(old["id"])
    table = ConfigEpoch._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert listed(api, simulator) == {old["id"]: (None, None)}
    limits = [m and int(m.group(1)) for m in (re.search(r"LIMIT (\d+)", q["sql"])
              for q in queries.captured_queries if table in q["sql"])]
    assert None not in limits and sum(limits) <= faults_runtime.MAX_EPOCHS_SEARCHED
