"""Every chart of the dashboard is titled by its quantity: each unit a point can have (every
point template of the engine, the default building's points) has a name in dashboard.js's
QUANTITY table, so no chart reads "Value (mph)"."""

import re
from pathlib import Path

from simulator_app import engine
from simulator_app.engine.points import TEMPLATES

DASHBOARD_JS = Path(__file__).resolve().parents[2] / "simulator_app/static/web/dashboard.js"


def quantity_names():
    source = DASHBOARD_JS.read_text(encoding="utf-8")
    table = re.search(r"var QUANTITY = \{(.*?)\};", source, re.S)
    assert table, "dashboard.js has no QUANTITY table"
    return dict(re.findall(r'"([^"]+)":\s*"([^"]+)"', table.group(1)))


def test_it_names_the_quantity_of_every_unit_a_point_template_has():
    names = quantity_names()
    units = {t.unit for group in TEMPLATES.values() for t in group if t.unit}
    assert units and not units - set(names), sorted(units - set(names))


def test_it_names_the_quantity_of_every_unit_of_the_default_building():
    names = quantity_names()
    units = {p.unit for p in engine.catalogue(engine.parse_spec({})).points if p.unit}
    assert {"mph", "inHg", "°F", "kW"} <= units
    assert not units - set(names), sorted(units - set(names))
