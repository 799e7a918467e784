"""phable (PyPI), a real Haystack client, against hsim's Haystack API over real HTTP."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from phable import Ref, open_haystack_client

from .conftest import PASSWORD, stored_series

pytestmark = pytest.mark.django_db  # the package fixture needs the test database set up


@pytest.fixture(scope="module", params=["json", "zinc"])
def client(root, request):
    """Both of phable's encodings: Haystack 4 JSON and Zinc."""
    with open_haystack_client(root, "alice", PASSWORD, content_type=request.param) as client:
        yield client


def test_it_logs_in_with_scram_and_answers_about(client, building):
    about = client.about()
    assert about["haystackVersion"] == "4.0"
    assert about["productName"] == "hsim"
    assert about["whoami"] == "alice"
    assert about["serverTime"].tzinfo is not None


def test_it_reads_points_of_the_site_by_filter(client, building):
    site_id = building.keys["site"]
    points = client.read_all(f"point and his and siteRef==@{site_id}")
    # every point but the weather station's (a station is shared; its points have no siteRef)
    assert len(points.rows) == sum(1 for k in building.keys if "." in k
                                   and not k.startswith("weather."))
    for row in points.rows:
        assert row["siteRef"].val == str(site_id)
        assert row["siteRef"].dis == "Annex"
        assert row["tz"] == "New_York"
        assert "his" in row and "point" in row


def test_it_reads_equipment_by_markers(client, building):
    ahus = client.read_all("equip and ahu")
    assert [row["id"].val for row in ahus.rows] == [str(building.keys["ahu-1"])]
    assert ahus.rows[0]["id"].dis == ahus.rows[0]["dis"] == "AHU-1"


def test_it_follows_ref_paths_in_filters(client, building):
    rows = client.read_all("point and equipRef->ahu").rows
    ahu_points = {k for k in building.keys if k.startswith("ahu-1.")}
    assert {row["id"].val for row in rows} == {str(building.keys[k]) for k in ahu_points}


def test_his_read_of_a_day_equals_the_value_table_in_the_points_time_zone(client, building):
    key = "ahu-1.discharge-air-temp"
    point = Ref(str(building.keys[key]))
    tz = ZoneInfo("America/New_York")
    day = (datetime.now(tz) - timedelta(days=1)).date()
    his = client.his_read_by_id(point, day)
    stamps = [row["ts"] for row in his.rows]
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    next_midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    assert len(stamps) == (next_midnight.timestamp() - midnight.timestamp()) // 900  # DST: 92/100
    assert all(t.tzinfo is not None and t.utcoffset() == tz.utcoffset(t.replace(tzinfo=None))
               for t in stamps)
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert stamps[0] == datetime(day.year, day.month, day.day, tzinfo=tz)
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    ts, values = stored_series(building, key, start, start + timedelta(days=1))
    assert [int(t.timestamp() * 1_000_000) for t in stamps] == ts
    assert [row["val"].val for row in his.rows] == pytest.approx(values, rel=0, abs=1e-9)
    assert all(row["val"].unit == "°F" for row in his.rows)
