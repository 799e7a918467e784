"""The compiled-model cache: its size is a setting, and a cached Model holds the catalogue's
points without their tags (what a tick reads of them, index-aligned)."""

import pytest

from simulator_app import engine
from simulator_app.engine import model
from simulator_app.engine.fleet import variant


@pytest.fixture
def cache_of_three():
    before = model.cache_info().maxsize
    model.set_cache_size(3)
    yield
    model.set_cache_size(before)


def test_the_cache_keeps_as_many_models_as_its_size(cache_of_three):
    specs = [engine.parse_spec(variant({}, 5, i)) for i in range(5)]
    for spec in specs:
        model.compile_spec(spec)
    info = model.cache_info()
    assert (info.maxsize, info.currsize, info.misses) == (3, 3, 5)
    assert len(model._by_identity) <= 3  # the identity slots keep no evicted model alive
    model.compile_spec(specs[-1])
    assert model.cache_info().misses == 5  # the newest is still held


def test_a_cached_model_indexes_the_catalogue_points_without_their_tags():
    spec = engine.parse_spec(variant({}, 5, 7))
    compiled = model.compile_spec(spec)
    points = engine.catalogue(spec).points
    assert compiled.keys == tuple(p.key for p in points)
    assert [(r.key, r.equip, r.column) for r in compiled.catalogue.points] == [
        (p.key, p.equip, p.column) for p in points]
    assert compiled.catalogue.point_index == {p.key: i for i, p in enumerate(points)}
    assert not hasattr(compiled.catalogue.points[0], "tags")


def test_buildings_of_a_fleet_share_their_point_key_strings():
    a = model.compile_spec(engine.parse_spec(variant({}, 5, 1)))
    b = model.compile_spec(engine.parse_spec(variant({}, 5, 2)))
    assert a.keys[0] == b.keys[0] and a.keys[0] is b.keys[0]
