"""Nothing one member asks for is unbounded: backfill windows (horizon, overlap, org quota),
creations and bulk writes (throttled), and every list (one page at a time)."""

import datetime as _dt
import re

import pytest

from simulator_app.models import BackfillJob, PollerConfig, SimulatorState
from simulator_app.services.pollers import create_poller
from simulator_app.services.simulators import create_simulator

from .conftest import SMALL_BUILDING, assert_error

BACKFILL_PATHS = ["/simulator/backfill/{id}", "/api/simulators/{id}/backfill/"]

# Days inside the history horizon (HSIM_HISTORY_HORIZON_DAYS counts back from today): fixed
# dates would fall out of it as time passes.
_TODAY = _dt.datetime.now(_dt.timezone.utc).date()
D1, D2, D3 = ((_TODAY - _dt.timedelta(days=n)).isoformat() for n in (3, 2, 1))


def window(start, end):
    return {"start": start, "end": end}


@pytest.mark.parametrize("path", BACKFILL_PATHS)
@pytest.mark.parametrize("start, end", [
    ("0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z"),  # was a 202, then an OverflowError
    ("1900-01-01T00:00:00Z", "1900-01-02T00:00:00Z"),  # was accepted: decades of catch-up
])
def test_a_backfill_before_the_history_horizon_is_a_400_naming_start(api, simulator, path,
                                                                     start, end):
    response = api.post(path.format(id=simulator.poller_id), window(start, end), format="json")
    assert_error(response, 400, field="start", text="HSIM_HISTORY_HORIZON_DAYS")
    assert not BackfillJob.objects.exists()
    assert SimulatorState.objects.get(simulator_id=simulator.poller_id).status == "stopped"


@pytest.mark.parametrize("path", BACKFILL_PATHS)
def test_an_overlapping_backfill_is_a_409_naming_the_queued_job(api, simulator, path):
    url = path.format(id=simulator.poller_id)
    first = api.post(url, window(f"{D1}T00:00:00Z", f"{D2}T00:00:00Z"), format="json")
    assert first.status_code == 202, first.content
    job_id = first.json()["id"]
    overlapping = api.post(url, window(f"{D1}T12:00:00Z", f"{D3}T00:00:00Z"),
                           format="json")
    assert_error(overlapping, 409, text=f"backfill job {job_id}")
    assert BackfillJob.objects.count() == 1
    again = api.post(url, window(f"{D1}T00:00:00Z", f"{D2}T00:00:00Z"), format="json")
    assert (again.status_code, again.json()["id"]) == (202, job_id)  # the same job, resumable


def test_queued_backfill_work_past_the_org_quota_is_a_429(api, org, simulator, settings):
    settings.HSIM_ORG_QUEUED_INTERVAL_QUOTA = 150
    twin = create_simulator(org, "Twin", SMALL_BUILDING, 15)
    ok = api.post(f"/simulator/backfill/{simulator.poller_id}",
                  window(f"{D1}T00:00:00Z", f"{D2}T00:00:00Z"), format="json")
    assert ok.status_code == 202  # 96 intervals queued
    refused = api.post(f"/simulator/backfill/{twin.poller_id}",
                       window(f"{D1}T00:00:00Z", f"{D2}T00:00:00Z"), format="json")
    assert_error(refused, 429, text="HSIM_ORG_QUEUED_INTERVAL_QUOTA")
    assert "96 already queued" in refused.json()["detail"]
    assert BackfillJob.objects.count() == 1


def test_creating_pollers_is_throttled_and_a_throttled_create_creates_nothing(api, org, settings):
    settings.HSIM_API_CREATE_THROTTLE_RATE = "2/min"
    body = {"org_id": org.id, "poller_type": "bacnet", "poller_name": "Bus", "config": "{}"}
    for _ in range(2):
        assert api.post("/poller", body, format="json").status_code in (200, 201)
    before = PollerConfig.objects.count()
    throttled = api.post("/poller", body, format="json")
    assert_error(throttled, 429, text="throttled")
    assert int(throttled.headers["Retry-After"]) > 0
    assert PollerConfig.objects.count() == before
    assert api.get(f"/org/{org.id}/poller").status_code == 200  # reads are never throttled


def test_creating_simulators_through_the_router_is_throttled(api, org, settings):
    settings.HSIM_API_CREATE_THROTTLE_RATE = "1/min"
    body = {"org_id": org.id, "name": "One", "building_config": SMALL_BUILDING}
    assert api.post("/api/simulators/", body, format="json").status_code == 201
    before = PollerConfig.objects.count()
    assert_error(api.post("/api/simulators/", {**body, "name": "Two"}, format="json"), 429)
    assert PollerConfig.objects.count() == before


def test_bulk_value_is_throttled_and_none_switches_it_off(api, org, settings):
    settings.HSIM_API_BULK_THROTTLE_RATE = "2/min"
    body = {"org_id": org.id, "values": []}
    statuses = [api.post("/bulk/value", body, format="json").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    settings.HSIM_API_BULK_THROTTLE_RATE = "none"
    assert api.post("/bulk/value", body, format="json").status_code != 429


@pytest.fixture
def five_pollers(org):
    return [create_poller(org, "bacnet", f"Bus {i}", {}).poller_id for i in range(5)]


def links(response):
    return dict((rel, url) for url, rel in
                re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", "")))


@pytest.mark.parametrize("path", ["/org/{org}/poller", "/poller?type=bacnet"])
def test_the_contracts_poller_lists_answer_one_page_as_a_json_array(api, org, five_pollers,
                                                                    path, settings):
    url = path.format(org=org.id)
    sep = "&" if "?" in url else "?"
    first = api.get(f"{url}{sep}limit=2")
    assert [p["poller_id"] for p in first.json()] == five_pollers[:2]
    assert first.headers["X-Total-Count"] == "5" and set(links(first)) == {"next"}
    second = api.get(links(first)["next"])
    assert [p["poller_id"] for p in second.json()] == five_pollers[2:4]
    assert set(links(second)) == {"next", "prev"}
    last = api.get(f"{url}{sep}limit=2&offset=4")
    assert [p["poller_id"] for p in last.json()] == five_pollers[4:]
    assert set(links(last)) == {"prev"}
    # Without ?limit a page holds the most a client may ask for.
    settings.HSIM_API_MAX_PAGE_SIZE = 3
    assert [p["poller_id"] for p in api.get(url).json()] == five_pollers[:3]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=501", "limit"), ("limit=", "limit"),
    ("offset=-1", "offset"), ("offset=1e3", "offset"),
])
@pytest.mark.parametrize("path", ["/org/{org}/poller?", "/api/simulators/?",
                                  "/api/orgs/?", "/simulator/backfill/{sim}?"])
def test_a_bad_page_parameter_is_a_400_naming_it(api, org, simulator, path, query, field):
    url = path.format(org=org.id, sim=simulator.poller_id) + query
    assert_error(api.get(url), 400, field=field)


def test_hsims_own_lists_answer_pages_in_an_envelope(api, org, simulator, settings):
    settings.HSIM_API_PAGE_SIZE = 2
    more = [create_simulator(org, f"S{i}", SMALL_BUILDING, 15).poller_id for i in range(2)]
    page = api.get("/api/simulators/").json()
    assert page["count"] == 3 and page["previous"] is None
    assert [s["poller_id"] for s in page["results"]] == [simulator.poller_id, more[0]]
    rest = api.get(page["next"]).json()
    assert [s["poller_id"] for s in rest["results"]] == [more[1]] and rest["next"] is None
    assert api.get("/api/orgs/?limit=1").json()["count"] == 1
    for path in BACKFILL_PATHS:
        jobs = api.get(path.format(id=simulator.poller_id) + "?limit=5").json()
        assert (jobs["count"], jobs["results"]) == (0, [])
