"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright).

A live server answers the real pages and the real read API over HTTP; a simulator with two
days of backfilled data and two fault episodes is opened by a member of its org who logs in
through the login form. The page's script exposes its uPlot instances as
window.hsimDashboard, so the checks read what each chart actually holds and drew.
"""

import os
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model

from simulator_app.models import OrgMembership
from simulator_app.services import backfill, points
from simulator_app.services.orgs import create_org
from simulator_app.services.simulators import create_simulator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PASSWORD = "correct-horse-battery"
SCREENSHOT = "/tmp/hsim_dashboard.png"
WAIT_MS = 60_000  # generous: two CPUs are shared by every test process on this machine
RECORD_CSP_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

HOUR = timedelta(hours=1)
NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
DAMPER = (NOW - 20 * HOUR, NOW - 14 * HOUR)  # inside "last day"
BIAS = (NOW - 10 * HOUR, NOW - 4 * HOUR)

BUILDING = {
    "site": {"name": "Annex", "floors": 1},
    "equipment": {"ahu_count": 1, "zone_orientations": ["north", "south"],
                  "chillers": {"count": 1}, "boilers": {"count": 1}},
    "faults": [
        {"type": "stuck_damper", "equip": "vav-01-north", "severity": 0.8,
         "start": DAMPER[0].isoformat(), "end": DAMPER[1].isoformat()},
        {"type": "sensor_bias", "equip": "ahu-1", "point": "discharge-air-temp",
         "severity": 1.0, "start": BIAS[0].isoformat(), "end": BIAS[1].isoformat()},
    ],
}

pytestmark = pytest.mark.django_db(transaction=True)


def require_chromium():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium"
                    " (apt-get update && apt-get install -y chromium; ./hsim test does this as root)",
                    pytrace=False)


def make_user(name, org):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    OrgMembership.objects.create(user=user, org=org, role=OrgMembership.MEMBER)
    return user


@pytest.fixture
def scene(clean_core, unique_key):
    """Two orgs, a member of each, a simulator with two days of data and two faults."""
    org, other = create_org(unique_key("wb")), create_org(unique_key("wx"))
    make_user("alice", org)
    make_user("bob", other)
    simulator = create_simulator(org, "Annex", BUILDING, 15)
    job = backfill.create_job(simulator, NOW - 48 * HOUR, NOW + HOUR)
    assert backfill.run_job(job.id).status == "done"
    rows = points.point_rows(simulator)
    return {"simulator": simulator, "points": rows,
            "url": f"/dashboard/simulators/{simulator.poller_id}/"}


@contextmanager
def browser_session(live_server):
    """A Chromium page that records console errors, page errors and history requests.
    (No ORM calls inside: Playwright's sync API runs an event loop in this thread.)"""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.add_init_script(RECORD_CSP_VIOLATIONS)
            log = {"errors": [], "history": []}
            page.on("console", lambda m: m.type == "error" and log["errors"].append(
                f"console: {m.text} ({m.location.get('url')})"))
            page.on("pageerror", lambda e: log["errors"].append(f"pageerror: {e}"))
            page.on("request", lambda r: "/simulator/history/" in r.url and
                    log["history"].append(r.url))
            page.base = live_server.url
            yield page, log
        finally:
            browser.close()


def log_in(page, username, next_url="/"):
    page.goto(page.base + next_url)
    assert urlparse(page.url).path == "/login/"  # anonymous: sent to the login form
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url(page.base + next_url)


def wait_for_loads(page, n):
    # Functions, not expression strings: the page's CSP forbids eval, which those need.
    page.wait_for_function("n => window.hsimDashboard && window.hsimDashboard.loads >= n", arg=n)


CHARTS_JS = """() => hsimDashboard.charts.map(c => ({
    id: c.id, section: c.section, keys: c.keys, fn: c.fn,
    xs: c.plot.data[0].length,
    filled: c.plot.data.slice(1).map(s => s.filter(v => v !== null && v !== undefined).length),
    xmin: c.plot.scales.x.min, xmax: c.plot.scales.x.max,
    left: c.plot.bbox.left, right: c.plot.bbox.left + c.plot.bbox.width,
    bands: (c.drawnBands || []).map(b => ({start: b.start, end: b.end, kind: b.kind,
        x0: b.x0, x1: b.x1,
        at0: c.plot.valToPos(b.start, "x", true), at1: c.plot.valToPos(b.end, "x", true)})),
}))"""

# Share of tinted pixels (the band's translucent red, nothing opaque) in a canvas column.
TINT_JS = """([id, x]) => {
    const c = hsimDashboard.charts.find(c => c.id === id);
    const b = c.plot.bbox;
    const px = c.plot.ctx.getImageData(Math.round(x), b.top, 1, b.height).data;
    let tinted = 0;
    for (let i = 0; i < px.length; i += 4) {
        const [r, g, bl, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
        if (a > 10 && a < 90 && r > g + 80 && r > bl + 80) tinted++;
    }
    return tinted / (px.length / 4);
}"""


def plotted_keys(charts):
    return {k for c in charts for k in c["keys"]}


def test_a_member_sees_every_chart_drawn_with_fault_bands_and_no_script_errors(
        live_server, scene):
    sim = scene["simulator"]
    by_key = {p["key"]: p for p in scene["points"]}
    zones = sorted({p["equip"] for p in scene["points"] if p["equip"].startswith("vav-")})
    first_zone = zones[0]
    expected = {k for k, p in by_key.items() if p["kind"] != "Str"
                and (not p["equip"].startswith("vav-") or p["equip"] == first_zone)}

    with browser_session(live_server) as (page, log):
        log_in(page, "alice")
        # landing page: the simulator, its status, last interval and health
        row = page.locator(f"tr[data-poller-id='{sim.poller_id}']")
        assert "Annex" in row.inner_text() and "stopped" in row.inner_text()
        page.wait_for_function("id => !document.querySelector(`tr[data-poller-id='${id}']"
                               " .health-pending`)", arg=sim.poller_id)
        assert row.locator(".health .badge").inner_text() in {"healthy", "degraded", "unhealthy"}
        assert NOW.strftime("%Y-%m-%d") in row.inner_text() or \
            (NOW - HOUR).strftime("%Y-%m-%d") in row.inner_text()

        with page.expect_response(page.base + scene["url"]) as opened:
            row.locator("a.dashboard-link").click()
        policy = opened.value.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page.wait_for_url(page.base + scene["url"])
        wait_for_loads(page, 1)
        charts = page.evaluate(CHARTS_JS)

        # every equipment group has charts, and every chart drew every one of its series
        assert {c["section"] for c in charts} == {"weather", "ahu:ahu-1", "plant", "meters",
                                                  "zone"}
        assert plotted_keys(charts) == expected
        for chart in charts:
            assert chart["xs"] > 0 and all(n > 0 for n in chart["filled"]), chart
            assert chart["fn"] in {"avg", "last"}
        history_day = list(log["history"])
        assert history_day and all("rollup" not in parse_qs(urlparse(u).query)
                                   for u in history_day)  # a day is drawn from raw readings

        # fault bands: where the labels endpoint says, over the charts of the points it names
        labels = page.evaluate("() => hsimDashboard.labels")
        api = page.request.get(page.base + f"/simulator/labels/{sim.poller_id}",
                               params=page.evaluate(
                                   "() => ({start: new Date(hsimDashboard.range.start*1000)"
                                   ".toISOString(), end: new Date(hsimDashboard.range.end*1000)"
                                   ".toISOString()})"))
        assert api.ok and api.json()["labels"] == labels
        assert {lab["kind"] for lab in labels} == {"stuck_damper", "sensor_bias"}
        for label, (start, end) in zip(sorted(labels, key=lambda x: x["start"]), (DAMPER, BIAS)):
            assert label["points"], label
            hit = [c for c in charts if set(c["keys"]) & set(label["points"])]
            assert hit, label
            for chart in hit:
                band = next(b for b in chart["bands"] if b["kind"] == label["kind"])
                assert (band["start"], band["end"]) == (start.timestamp(), end.timestamp())
                assert band["x0"] == pytest.approx(band["at0"]) and \
                    band["x1"] == pytest.approx(band["at1"])
                centre = (band["x0"] + band["x1"]) / 2
                inside = max(page.evaluate(TINT_JS, [chart["id"], centre + d]) for d in (-3, 0, 3))
                clear = band["x0"] - 15 if band["x0"] - chart["left"] > 30 else band["x1"] + 15
                outside = page.evaluate(TINT_JS, [chart["id"], clear])
                assert inside > 0.5 > 0.05 > outside, (chart["id"], inside, outside)
        untouched = [c for c in charts if c["section"] == "weather"]
        assert untouched and all(not c["bands"] for c in untouched)

        # current values with units, and a CSV link that answers CSV
        temp = next(k for k in expected if by_key[k]["unit"] == "°F" and k.startswith("ahu-1"))
        cell = page.locator(f"#section-ahu-ahu-1 tr[data-point='{temp}'] td.value")
        assert cell.text_content().endswith("°F") and cell.text_content() != "—"
        href = page.locator(".chart a.csv").first.get_attribute("href")
        csv = page.request.get(page.base + href)
        assert csv.ok and csv.text().startswith("ts,point,value_n,value_b,value_s,status")
        assert len(csv.text().splitlines()) > 10

        page.screenshot(path=SCREENSHOT, full_page=True)
        assert page.evaluate("() => window.__csp") == []
        assert page.evaluate("() => hsimDashboard.errors") == []
        assert not log["errors"], log["errors"]


def test_switching_the_range_reloads_the_charts_with_a_rollup_for_it(live_server, scene):
    with browser_session(live_server) as (page, log):
        log_in(page, "alice", scene["url"])
        wait_for_loads(page, 1)
        loads = 1
        for preset, rollup, days in (("week", "1h", 7), ("month", "1h", 30), ("year", "1d", 365)):
            before = len(log["history"])
            page.click(f"#range [data-range={preset}]")
            loads += 1
            wait_for_loads(page, loads)
            fresh = log["history"][before:]
            assert fresh, preset
            for url in fresh:
                query = parse_qs(urlparse(url).query)
                assert query["rollup"] == [rollup]
                span = (datetime.fromisoformat(query["end"][0]) -
                        datetime.fromisoformat(query["start"][0]))
                assert span == timedelta(days=days)
            charts = page.evaluate(CHARTS_JS)
            for chart in charts:
                assert chart["xs"] > 0 and all(n > 0 for n in chart["filled"]), (preset, chart)
                assert chart["xmax"] - chart["xmin"] == days * 86400
            assert page.locator("#range [data-range].active").get_attribute("data-range") == preset
            assert rollup in page.locator("#range-info").inner_text()

        # a custom range of two days draws raw readings again
        before = len(log["history"])
        start, end = NOW - 47 * HOUR, NOW - HOUR
        page.fill("#range-start", start.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#range-end", end.strftime("%Y-%m-%dT%H:%M"))
        page.click("#range-apply")
        wait_for_loads(page, loads + 1)
        fresh = log["history"][before:]
        assert fresh and all("rollup" not in parse_qs(urlparse(u).query) for u in fresh)
        charts = page.evaluate(CHARTS_JS)
        assert all(c["xmin"] == start.timestamp() and c["xmax"] == end.timestamp()
                   for c in charts)
        assert all(all(n > 0 for n in c["filled"]) for c in charts)

        # picking another zone redraws the zone charts with that zone's points
        before = len(log["history"])
        page.select_option("#zone-select", "vav-01-south")
        page.wait_for_function("() => hsimDashboard.zoneLoads >= 1")
        zone_keys = plotted_keys([c for c in page.evaluate(CHARTS_JS) if c["section"] == "zone"])
        assert zone_keys and all(k.startswith("vav-01-south.") for k in zone_keys)
        assert len(log["history"]) > before
        assert page.evaluate("() => window.__csp") == []
        assert not log["errors"], log["errors"]


def test_a_user_of_another_org_cannot_open_the_dashboard(live_server, scene):
    with browser_session(live_server) as (page, log):
        log_in(page, "bob")
        assert page.locator("tr[data-poller-id]").count() == 0
        response = page.goto(page.base + scene["url"])
        assert response.status == 404
        sid = scene["simulator"].poller_id
        assert page.request.get(page.base + f"/simulator/history/{sid}").status == 404


def test_a_simulator_without_recent_data_opens_on_its_newest_day(live_server, clean_core,
                                                                unique_key):
    org = create_org(unique_key("wo"))
    make_user("carol", org)
    quiet = {key: value for key, value in BUILDING.items() if key != "faults"}
    simulator = create_simulator(org, "Dormant", quiet, 15)
    newest = NOW - 72 * HOUR
    assert backfill.run_job(backfill.create_job(simulator, newest - 12 * HOUR, newest).id
                            ).status == "done"
    url = f"/dashboard/simulators/{simulator.poller_id}/"
    with browser_session(live_server) as (page, log):
        log_in(page, "carol", url)
        wait_for_loads(page, 1)
        assert page.evaluate("() => [hsimDashboard.range.start, hsimDashboard.range.end]") == [
            (newest - 24 * HOUR).timestamp(), newest.timestamp()]
        assert "newest day" in page.locator("#message").inner_text()
        charts = page.evaluate(CHARTS_JS)
        assert charts and all(all(n > 0 for n in c["filled"]) for c in charts)
        assert not log["errors"], log["errors"]
