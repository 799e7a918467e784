"""Nothing a Haystack request causes is unbounded: hisRead builds its grid in memory, so it is
bounded like the REST history (points x intervals at most HSIM_HISTORY_MAX_ROWS), and a body
takes at most HSIM_API_MAX_BYTES like every other endpoint's (413); both refused as error grids
before anything is read."""

from datetime import date, datetime, timedelta, timezone

import hszinc
import pytest
import requests
from phable.auth.scram import ScramScheme

from simulator_app.services.history import entity_rows

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ZINC = "text/zinc"


@pytest.fixture(scope="module")
def session(root):
    s = requests.Session()
    token = ScramScheme(root, "alice", PASSWORD, ZINC).get_auth_token()
    s.headers["Authorization"] = f"BEARER authToken={token}"
    return s


def his_points(building, count):
    keys = [k for k in building.keys if "." in k][:count]
    assert len(keys) == count
    return [building.keys[k] for k in keys]


def his_read(session, root, ids, range_text):
    body = f'ver:"3.0" range:"{range_text}"\nid\n' + "\n".join(f"@{i}" for i in ids) + "\n"
    response = session.post(f"{root}/hisRead", data=body.encode(),
                            headers={"Content-Type": ZINC, "Accept": ZINC})
    assert response.status_code == 200
    return hszinc.parse(response.text, mode=hszinc.MODE_ZINC)


def test_it_counts_each_point_at_its_simulators_interval(building):
    ids = his_points(building, 3)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert entity_rows(ids, start, start + timedelta(days=1)) == 3 * 96  # 15-minute simulator
    # an entity of no simulator counts at one a minute, the finest any spec generates
    assert entity_rows([2_000_000_000], start, start + timedelta(hours=1)) == 60


def test_a_his_read_of_too_many_rows_answers_an_error_grid(session, root, building):
    ids = his_points(building, 10)  # 10 points x 9 years at 15 minutes: over 3 million rows
    first = date.today() - timedelta(days=9 * 365)
    grid = his_read(session, root, ids, f"{first.isoformat()},{date.today().isoformat()}")
    assert "err" in grid.metadata
    assert "rows (points x intervals); at most" in grid.metadata["dis"]


def test_a_his_read_within_the_bound_still_answers_its_rows(session, root, building):
    ids = his_points(building, 10)
    day = (date.today() - timedelta(days=1)).isoformat()
    grid = his_read(session, root, ids, day)
    assert "err" not in grid.metadata
    assert len(grid) >= 92  # a local day of 15-minute rows (23 to 25 hours)


def test_a_request_body_over_the_api_limit_answers_413_with_an_error_grid(session, root,
                                                                           building):
    from django.conf import settings

    filler = "x" * (settings.HSIM_API_MAX_BYTES + 1)
    body = f'ver:"3.0"\nfilter\n"site or dis==\\"{filler}\\""\n'
    response = session.post(f"{root}/read", data=body.encode(),
                            headers={"Content-Type": ZINC, "Accept": ZINC})
    assert response.status_code == 413
    assert "err" in hszinc.parse(response.text, mode=hszinc.MODE_ZINC).metadata
    small = session.post(f"{root}/read", data=b'ver:"3.0"\nfilter\n"site"\n',
                         headers={"Content-Type": ZINC, "Accept": ZINC})
    assert small.status_code == 200 and "err" not in hszinc.parse(
        small.text, mode=hszinc.MODE_ZINC).metadata
