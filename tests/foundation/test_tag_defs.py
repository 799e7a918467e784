import pytest

from simulator_app import engine
from simulator_app.models import TagDef

pytestmark = pytest.mark.django_db


def test_every_tag_the_default_building_uses_has_a_documented_tag_def():
    catalogue = engine.catalogue(engine.default_spec())
    names = {"kind", "unit"}
    for item in [*catalogue.entities, *catalogue.points]:
        names |= set(item.tags)
    docs = dict(TagDef.objects.filter(name__in=names).values_list("name", "doc"))
    assert sorted(names - docs.keys()) == []
    assert [name for name, doc in docs.items() if not doc] == []


def test_tag_defs_are_unique_by_name():
    names = list(TagDef.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) > 100
