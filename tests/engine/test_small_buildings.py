"""A building smaller than the default's four AHUs' floors gets one AHU per floor unless it
names its AHU count (then the count is checked as before)."""

import pytest

from simulator_app.engine import SpecError, catalogue, parse_spec


def test_a_one_floor_site_without_an_ahu_count_gets_one_ahu():
    spec = parse_spec({"site": {"name": "S1", "floors": 1}})
    assert spec.equipment.ahu_count == 1
    assert sum(1 for e in catalogue(spec).entities if "ahu" in e.tags) == 1


def test_an_explicit_ahu_count_the_floors_cannot_hold_is_still_refused():
    with pytest.raises(SpecError) as caught:
        parse_spec({"site": {"floors": 2}, "equipment": {"ahu_count": 3}})
    assert caught.value.errors[0]["field"] == "equipment.ahu_count"


def test_the_default_building_keeps_its_four_ahus():
    assert parse_spec({}).equipment.ahu_count == 4
