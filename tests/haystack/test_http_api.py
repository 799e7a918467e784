"""The Haystack HTTP API over real HTTP: routes, methods, encodings, error grids, watches.

Answers are parsed with hszinc (PyPI), a codec independent of the rusty-haystack one hsim
writes with, and with phable's codecs where hszinc has no Haystack 4 JSON.
"""

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import hszinc
import pytest
import requests
from phable.auth.scram import ScramScheme
from phable.io.ph_json import ph_from_json

from simulator_app.storage.ddl import table_names

from .conftest import PASSWORD, commit_sql, stored_series

pytestmark = pytest.mark.django_db

ZINC = "text/zinc"


@pytest.fixture(scope="module")
def token(root):
    return ScramScheme(root, "alice", PASSWORD, "text/zinc").get_auth_token()


@pytest.fixture(scope="module")
def session(token):
    s = requests.Session()
    s.headers["Authorization"] = f"BEARER authToken={token}"
    return s


def zinc(response):
    assert response.headers["Content-Type"].startswith("text/zinc"), response.headers
    return hszinc.parse(response.text, mode=hszinc.MODE_ZINC)


def zinc_post(session, url, text):
    return session.post(url, data=text.encode(), headers={"Content-Type": ZINC, "Accept": ZINC})


def test_get_read_with_query_parameters_answers_zinc_that_hszinc_reads(session, root, building):
    response = session.get(f"{root}/read", params={"filter": "site"}, headers={"Accept": ZINC})
    assert response.status_code == 200
    grid = zinc(response)
    assert len(grid) == 1
    site = grid[0]
    assert site["id"] == hszinc.Ref(str(building.keys["site"]), "Annex")
    assert site["site"] is hszinc.MARKER
    assert site["area"].unit == "ft²" and site["area"].value > 0
    assert site["tz"] == "New_York"
    assert isinstance(site["geoCoord"], hszinc.Coordinate)


def test_post_read_with_a_zinc_request_grid(session, root, building):
    response = zinc_post(session, f"{root}/read", 'ver:"3.0"\nfilter,limit\n"point and his",3\n')
    grid = zinc(response)
    assert len(grid) == 3
    assert [int(row["id"].name) for row in grid] == sorted(int(row["id"].name) for row in grid)


def test_post_read_with_a_haystack_4_json_request_grid(session, root):
    body = {"_kind": "grid", "meta": {"ver": "3.0"}, "cols": [{"name": "filter"}],
            "rows": [{"filter": "equip and vav"}]}
    response = session.post(f"{root}/read", data=json.dumps(body),
                            headers={"Content-Type": "application/json", "Accept": ZINC})
    assert [row["dis"] for row in zinc(response)] == ["VAV 1-North"]


def test_read_by_ids_answers_rows_in_order_and_a_null_row_for_an_unknown_id(session, root,
                                                                           building):
    ahu, site = building.keys["ahu-1"], building.keys["site"]
    response = zinc_post(session, f"{root}/read", f'ver:"3.0"\nid\n@{ahu}\n@999999999\n@{site}\n')
    grid = zinc(response)
    assert [row.get("id") for row in grid] == [
        hszinc.Ref(str(ahu), "AHU-1"), None, hszinc.Ref(str(site), "Annex")]


@pytest.mark.parametrize("accept", ["application/json", "application/vnd.haystack+json"])
def test_haystack_4_json_round_trips_to_the_same_grid_as_zinc(session, root, accept):
    params = {"filter": "point and ahu or equipRef->ahu"}
    as_json = session.get(f"{root}/read", params=params, headers={"Accept": accept})
    as_zinc = session.get(f"{root}/read", params=params, headers={"Accept": ZINC})
    assert as_json.headers["Content-Type"].startswith(accept)
    body = as_json.json()
    assert body["_kind"] == "grid" and body["meta"]["ver"] == "3.0"
    from_json = ph_from_json(as_json.text)
    from_zinc = zinc(as_zinc)
    assert len(from_json.rows) == len(from_zinc) > 10
    for jrow, zrow in zip(from_json.rows, from_zinc):
        assert jrow["id"].val == zrow["id"].name and jrow["id"].dis == zrow["id"].value
        assert jrow["dis"] == zrow["dis"]
        assert set(jrow) == {name for name, value in zrow.items() if value is not None}
        if "curVal" in zrow and hasattr(zrow["curVal"], "value"):
            assert jrow["curVal"].val == pytest.approx(zrow["curVal"].value)
            assert jrow["curVal"].unit == zrow["curVal"].unit


def test_haystack_3_json_is_served_where_asked_and_hszinc_reads_it(session, root, building):
    response = session.get(f"{root}/read", params={"filter": "weatherStation"},
                           headers={"Accept": "application/json;v=3"})
    grid = hszinc.parse(response.text, mode=hszinc.MODE_JSON)
    assert grid[0]["id"] == hszinc.Ref(str(building.keys["weather"]), grid[0]["dis"])
    assert grid[0]["weatherStation"] is hszinc.MARKER


def test_points_carry_cur_val_and_status_from_the_current_table(session, root, building):
    key = "ahu-1.discharge-air-temp"
    response = session.get(f"{root}/read", params={"id": f"@{building.keys[key]}"},
                           headers={"Accept": ZINC})
    point = zinc(response)[0]
    ts, values = stored_series(building, key)
    assert point["curVal"].value == pytest.approx(values[-1])
    assert point["curVal"].unit == "°F"
    assert point["curStatus"] in ("ok", "stale", "fault", "down")
    assert point["his"] is hszinc.MARKER and point["kind"] == "Number"


def test_the_skyspark_style_api_root_serves_the_same_project(session, server, building):
    response = session.get(f"{server.origin}/api/{building.org.key}/read",
                           params={"filter": "site"}, headers={"Accept": ZINC})
    assert zinc(response)[0]["dis"] == "Annex"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/simulators/", "/api/orgs/"])
def test_the_rest_api_routes_under_api_stay_the_rest_apis(session, server, path):
    response = requests.get(server.origin + path)
    assert not response.headers["Content-Type"].startswith("text/zinc")
    assert response.status_code in (200, 401, 403)


def test_a_bad_filter_answers_an_error_grid(session, root):
    response = session.get(f"{root}/read", params={"filter": "point and ("},
                           headers={"Accept": ZINC})
    assert response.status_code == 200
    grid = zinc(response)
    assert "err" in grid.metadata and "filter" in grid.metadata["dis"]


def test_an_unknown_op_answers_404_with_an_error_grid(session, root):
    response = session.get(f"{root}/pointWriteEverything", headers={"Accept": ZINC})
    assert response.status_code == 404
    assert "err" in zinc(response).metadata


def test_his_read_of_an_unknown_id_answers_an_error_grid(session, root):
    response = session.get(f"{root}/hisRead", params={"id": "@999999999", "range": "today"},
                           headers={"Accept": ZINC})
    assert response.status_code == 200
    assert "unknown" in zinc(response).metadata["dis"]


def test_an_unreadable_request_grid_answers_400_with_an_error_grid(session, root):
    response = zinc_post(session, f"{root}/read", "this is not zinc at all {{{")
    assert response.status_code == 400
    assert "err" in zinc(response).metadata


def test_get_on_an_op_with_side_effects_answers_405(session, root):
    response = session.get(f"{root}/watchSub", headers={"Accept": ZINC})
    assert response.status_code == 405


def test_an_unsupported_accept_answers_406(session, root):
    response = session.get(f"{root}/about", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_about_ops_and_formats(session, root):
    about = zinc(session.get(f"{root}/about", headers={"Accept": ZINC}))[0]
    assert about["haystackVersion"] == "4.0" and about["serverName"]
    assert about["serverTime"].tzinfo is not None
    ops = {row["name"] for row in zinc(session.get(f"{root}/ops", headers={"Accept": ZINC}))}
    assert {"about", "ops", "formats", "read", "nav", "hisRead", "watchSub", "watchPoll",
            "watchUnsub", "close"} <= ops
    mimes = {row["mime"] for row in zinc(session.get(f"{root}/formats",
                                                     headers={"Accept": ZINC}))}
    assert {"text/zinc", "application/json"} <= mimes


def test_nav_walks_site_then_equipment_then_points(session, root, building):
    sites = zinc(session.get(f"{root}/nav", headers={"Accept": ZINC}))
    # hszinc rows hold every column (None where a tag is absent)
    assert sorted(row["dis"] for row in sites) == ["Annex", "Annex Weather Station"]
    site = next(row for row in sites if row.get("site") is not None)
    equips = zinc(zinc_post(session, f"{root}/nav", f'ver:"3.0"\nnavId\n{_zinc_ref(site["navId"])}\n'))
    names = {row["dis"] for row in equips}
    assert "AHU-1" in names and "Chilled Water Plant" in names
    assert "Chiller-1" not in names  # under its plant, not the site
    ahu = next(row for row in equips if row["dis"] == "AHU-1")
    points = zinc(zinc_post(session, f"{root}/nav", f'ver:"3.0"\nnavId\n{_zinc_ref(ahu["navId"])}\n'))
    assert len(points) == sum(1 for k in building.keys if k.startswith("ahu-1."))
    assert all(row.get("point") is not None for row in points)


def _zinc_ref(ref):
    return f"@{ref.name}"


def _his(session, root, point, range_text):
    response = session.get(f"{root}/hisRead", params={"id": f"@{point}", "range": range_text},
                           headers={"Accept": ZINC})
    return zinc(response)


NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("range_text, days", [("yesterday", 1), ("DAY", 1), ("DAY,DAY", 1),
                                              ("DAY0,DAY", 2)])
def test_his_read_ranges_are_local_days_of_the_point(session, root, building, range_text, days):
    key = "vav-01-north.zone-temp"
    day = (datetime.now(NY) - timedelta(days=1)).date()
    text = (range_text.replace("DAY0", (day - timedelta(days=1)).isoformat())
            .replace("DAY", day.isoformat()))
    grid = _his(session, root, building.keys[key], text)
    first = datetime(day.year, day.month, day.day, tzinfo=NY) - timedelta(days=days - 1)
    assert grid.metadata["hisStart"] == first
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=NY)
    assert len(grid) == (end.timestamp() - first.timestamp()) // 900  # local days: DST-proof
    assert grid[0]["ts"] == first
    assert all(str(row["ts"].tzinfo) == "America/New_York" for row in grid)


def test_his_read_today_stops_at_the_newest_stored_value(session, root, building):
    key = "elec-meter.power"
    grid = _his(session, root, building.keys[key], "today")
    midnight = datetime.combine(datetime.now(NY).date(), datetime.min.time(), tzinfo=NY)
    ts, values = stored_series(building, key, start=midnight)
    assert len(grid) == len(ts)
    assert [row["val"].value for row in grid] == pytest.approx(values)


def test_his_read_of_a_datetime_span(session, root, building):
    key = "elec-meter.power"
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) - \
        timedelta(hours=30)
    end = start + timedelta(hours=2)
    text = f"{_zinc_dt(start)},{_zinc_dt(end)}"
    grid = _his(session, root, building.keys[key], text)
    assert len(grid) == 8
    assert grid[0]["ts"] == start and grid[-1]["ts"] == end - timedelta(minutes=15)


def _zinc_dt(moment):
    local = moment.astimezone(NY)
    return local.isoformat() + " New_York"


def test_his_read_of_a_bad_range_answers_an_error_grid(session, root, building):
    grid = _his(session, root, building.keys["elec-meter.power"], "last tuesday")
    assert "err" in grid.metadata


def test_watches_report_changes_and_outlive_a_restart_of_the_web_processes(
        session, root, server, building):
    ids = [building.keys["elec-meter.power"], building.keys["ahu-1.fan-speed"]]
    rows = "\n".join(f"@{i}" for i in ids)
    sub = zinc(zinc_post(session, f"{root}/watchSub",
                         f'ver:"3.0" watchDis:"test" lease:1min\nid\n{rows}\n'))
    watch_id = sub.metadata["watchId"]
    assert [row["id"].name for row in sub] == [str(i) for i in ids]
    assert all("curVal" in row for row in sub)
    poll = zinc(zinc_post(session, f"{root}/watchPoll", f'ver:"3.0" watchId:"{watch_id}"\nempty\n'))
    assert len(poll) == 0  # nothing changed since the subscription
    _, current = table_names(building.org.key)
    commit_sql(f'UPDATE core."{current}" SET value_n = value_n + 1, '
               f"ts = ts + interval '15 minutes' WHERE entity_id = %s", (ids[0],))
    changed = zinc(zinc_post(session, f"{root}/watchPoll",
                             f'ver:"3.0" watchId:"{watch_id}"\nempty\n'))
    assert [row["id"].name for row in changed] == [str(ids[0])]
    assert changed[0]["curVal"].value == pytest.approx(sub[0]["curVal"].value + 1)
    commit_sql(f'UPDATE core."{current}" SET value_n = value_n - 1, '  # as the table was
               f"ts = ts - interval '15 minutes' WHERE entity_id = %s", (ids[0],))
    server.restart()
    refresh = zinc(zinc_post(session, f"{root}/watchPoll",
                             f'ver:"3.0" watchId:"{watch_id}" refresh\nempty\n'))
    assert sorted(row["id"].name for row in refresh) == sorted(str(i) for i in ids)
    zinc(zinc_post(session, f"{root}/watchUnsub", f'ver:"3.0" watchId:"{watch_id}" close\nempty\n'))
    gone = zinc(zinc_post(session, f"{root}/watchPoll", f'ver:"3.0" watchId:"{watch_id}"\nempty\n'))
    assert "err" in gone.metadata


def test_a_haystack_3_json_request_grid_written_by_hszinc_is_read(session, root, building):
    request = hszinc.Grid(version=hszinc.VER_3_0)
    request.column["id"] = {}
    request.append({"id": hszinc.Ref(str(building.keys["chiller-1"]))})
    body = hszinc.dump(request, mode=hszinc.MODE_JSON)
    assert '"r:' in body  # Haystack 3 JSON's typed strings
    response = session.post(f"{root}/read", data=body,
                            headers={"Content-Type": "application/json", "Accept": ZINC})
    assert [row["dis"] for row in zinc(response)] == ["Chiller-1"]


def test_comparisons_follow_the_specs_unit_rule_and_not_negates(session, root, building):
    def ids(text):
        response = session.get(f"{root}/read", params={"filter": text}, headers={"Accept": ZINC})
        return {row["id"].name for row in zinc(response)}

    fahrenheit = ids('point and unit == "°F" and curVal')
    assert fahrenheit and ids("point and curVal > -1000°F") == fahrenheit
    assert ids("point and curVal > -1000") & fahrenheit == set()  # 75°F > 4 is false (spec)
    everything = ids("point")
    assert ids("point and not his") == set() and ids("not point") & everything == set()
    assert ids("point and (ahu or equipRef->vav)") == ids("point and equipRef->vav")
