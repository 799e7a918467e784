"""Injected faults are bounded per simulator: each adds a fault to the spec and a
configuration epoch that every labels request walks, so past the bound an injection is a 409
that changes nothing (and GET /simulator/faults lists them all)."""

from simulator_app.models import FaultEpisode
from simulator_app.services import faults_runtime

from .conftest import assert_error


def inject(api, simulator, target):
    return api.post(f"/simulator/faults/{simulator.poller_id}",
                    {"kind": "leaking_valve", "target": target}, format="json")


def test_an_injection_past_the_bound_is_a_409_that_changes_nothing(api, simulator, monkeypatch):
    monkeypatch.setattr(faults_runtime, "MAX_INJECTED", 2)
    assert inject(api, simulator, "ahu-1").status_code == 201
    assert inject(api, simulator, "ahu-1").status_code == 201
    simulator.refresh_from_db()
    config = simulator.config
    assert_error(inject(api, simulator, "ahu-1"), 409, text="2 injected faults")
    simulator.refresh_from_db()
    assert simulator.config == config
    assert FaultEpisode.objects.filter(simulator=simulator).count() == 2
    listed = api.get(f"/simulator/faults/{simulator.poller_id}")
    assert listed.status_code == 200 and len(listed.json()) == 2
