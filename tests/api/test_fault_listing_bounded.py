"""GET /simulator/faults finds the mode and magnitude of an episode written before migration
0011 (which stores none) in the current spec, else in the newest configuration epochs -- no
more of them than it needs, and never more than faults_runtime.MAX_EPOCHS_SEARCHED however
many changes the simulator has had. (Episodes injected since store theirs and read no spec:
tests/api/test_fault_episode_form.py.)"""

import json
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from simulator_app.models import ConfigEpoch, FaultEpisode, Simulator
from simulator_app.services import faults_runtime
from simulator_app.services.simulator_config import spec_of


def listed(api, simulator):
    """The listing, and the LIMIT of each query it made on the epochs (None: no LIMIT)."""
    table = ConfigEpoch._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/simulator/faults/{simulator.poller_id}")
    assert response.status_code == 200
    limits = [m and int(m.group(1)) for m in
              (re.search(r"LIMIT (\d+)", q["sql"]) for q in queries.captured_queries
               if table in q["sql"] and "SELECT" in q["sql"])]
    return response.json(), limits


def injected(api, simulator):
    """An injected fault as a row written before 0011 (no mode, no magnitude stored), and the
    epoch of the spec it became (as a change after data was generated records it)."""
    response = api.post(f"/simulator/faults/{simulator.poller_id}",
                        {"kind": "meter_fault", "target": "plug-meter", "mode": "spike",
                         "magnitude": 0.4},
                        format="json")
    assert response.status_code == 201, response.content
    FaultEpisode.objects.filter(simulator=simulator).update(mode=None, magnitude=None)
    ConfigEpoch.objects.create(simulator=simulator, starts_at=FaultEpisode.objects.get().onset,
                               spec=spec_of(Simulator.objects.get(pk=simulator.pk)).to_dict())
    return response.json()


def drop_faults_from_the_current_spec(simulator):
    """A later change removed the fault (before data was generated); the new spec, as an
    epoch stores it."""
    simulator = Simulator.objects.get(pk=simulator.pk)
    config = json.loads(simulator.config)
    building = config["building_config"]
    building = json.loads(building) if isinstance(building, str) else building
    building["faults"] = []
    config["building_config"] = building
    Simulator.objects.filter(pk=simulator.pk).update(config=json.dumps(config))
    simulator.refresh_from_db()
    spec = spec_of(simulator).to_dict()
    assert not spec.get("faults")
    return spec


def newer_epochs(simulator, spec, n, after):
    ConfigEpoch.objects.bulk_create(
        ConfigEpoch(simulator=simulator, starts_at=after + timedelta(hours=i + 1), spec=spec)
        for i in range(n))


def test_an_episode_in_the_current_spec_reads_no_epoch(api, simulator):
    episode = injected(api, simulator)
    newer_epochs(simulator, {"faults": []}, 30, FaultEpisode.objects.get().onset)
    faults, limits = listed(api, simulator)
    assert (faults[0]["mode"], faults[0]["magnitude"]) == ("spike", 0.4)
    assert limits == []


def test_an_episode_only_in_an_old_epoch_is_found_reading_one_page(api, simulator):
    episode = injected(api, simulator)
    without = drop_faults_from_the_current_spec(simulator)
    newer_epochs(simulator, without, 3, FaultEpisode.objects.get().onset)
    faults, limits = listed(api, simulator)
    assert (faults[0]["mode"], faults[0]["magnitude"]) == ("spike", 0.4)
    assert limits == [faults_runtime.EPOCH_PAGE]


def test_many_epochs_are_read_no_further_than_the_bound(api, simulator):
    injected(api, simulator)
    without = drop_faults_from_the_current_spec(simulator)
    newer_epochs(simulator, without, faults_runtime.MAX_EPOCHS_SEARCHED + 70,
                 FaultEpisode.objects.get().onset)
    faults, limits = listed(api, simulator)
    assert len(faults) == 1  # still listed, its form past the epochs searched
    assert (faults[0]["mode"], faults[0]["magnitude"]) == (None, None)
    assert None not in limits
    assert sum(limits) <= faults_runtime.MAX_EPOCHS_SEARCHED
