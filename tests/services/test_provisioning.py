import pytest

from simulator_app import engine
from simulator_app.models import ActivityLog, Entity, EntityTag, OrgEntityPermission, SimulatorEntity
from simulator_app.services.errors import ServiceError
from simulator_app.services.provisioning import provision
from simulator_app.services.simulators import create_simulator, update_config
from simulator_app.services.simulator_config import spec_of


def active_tags(entity_id):
    return {
        t.tag.name: t for t in EntityTag.objects.filter(entity_id=entity_id, disabled_ts__isnull=True)
        .select_related("tag")
    }


def test_every_catalogue_entity_and_point_becomes_an_entity_with_its_tags(simulator):
    catalogue = engine.catalogue(spec_of(simulator))
    mapping = dict(SimulatorEntity.objects.filter(simulator=simulator).values_list("key", "entity_id"))
    assert set(mapping) == {e.key for e in catalogue.entities} | {p.key for p in catalogue.points}
    assert OrgEntityPermission.objects.filter(org=simulator.org, entity_id__in=mapping.values()).count() == len(mapping)
    point = next(p for p in catalogue.points if "equipRef" in p.tags)
    tags = active_tags(mapping[point.key])
    assert "point" in tags and "his" in tags
    assert tags["kind"].value_s == point.kind
    assert tags["equipRef"].value_ref == mapping[point.equip]
    assert tags["siteRef"].value_ref == mapping["site"]
    assert tags["unit"].value_s == point.unit
    site = active_tags(mapping["site"])
    assert (site["area"].value_n, site["area"].value_s) == (150000.0, "ft²")
    assert site["site"].value_n is None and site["site"].value_b is None  # a marker


def test_provisioning_the_same_spec_again_changes_nothing(simulator):
    before = (Entity.objects.count(), EntityTag.objects.count())
    changes = provision(simulator, spec_of(simulator))
    assert changes["added"] == changes["disabled"] == changes["tags_added"] == 0
    assert (Entity.objects.count(), EntityTag.objects.count()) == before


def test_a_changed_spec_adds_new_points_and_disables_vanished_ones(simulator):
    spec = spec_of(simulator).to_dict()
    spec["site"]["floors"] = 9
    spec["faults"] = []  # the default faults name equipment on the upper floors
    update_config(simulator, spec)
    change = ActivityLog.objects.get(simulator_id=simulator.poller_id, event_type="config_change")
    gone = list(SimulatorEntity.objects.filter(simulator=simulator, disabled_at__isnull=False))
    assert change.details["disabled"] == len(gone) > 3 * 4  # at least 3 floors of VAVs
    assert change.details["added"] == 0
    for m in gone:
        assert Entity.objects.get(id=m.entity_id).disabled_ts is not None
        assert not active_tags(m.entity_id)
    spec["site"]["floors"] = 12
    update_config(simulator, spec)
    # Back to 12 floors: the vanished keys come back as new entities; the old ones stay disabled.
    assert not SimulatorEntity.objects.filter(simulator=simulator, disabled_at__isnull=False).exists()
    assert Entity.objects.filter(id__in=[m.entity_id for m in gone], disabled_ts__isnull=True).count() == 0


def test_an_invalid_spec_is_refused_and_nothing_is_created(org):
    before = Entity.objects.count()
    with pytest.raises(ServiceError) as info:
        create_simulator(org, "Bad", {"no_such_field": 1}, 15)
    assert any(k.startswith("building_config") for k in info.value.errors)
    with pytest.raises(ServiceError) as info:
        create_simulator(org, "Bad", None, 7)
    assert "interval_minutes" in info.value.errors
    assert Entity.objects.count() == before


def test_a_spec_with_a_nul_character_is_refused_with_its_field(org):
    with pytest.raises(ServiceError) as info:
        create_simulator(org, "Nul", {"site": {"name": "Tower\x00"}}, 15)
    assert info.value.errors == {"building_config.site.name": "text must not contain NUL characters"}


def test_a_new_building_without_an_interval_keeps_the_simulators_interval(org):
    simulator = create_simulator(org, "Hourly", None, 60)
    spec = spec_of(simulator).to_dict()
    del spec["interval_minutes"]
    spec["site"]["name"] = "Renamed Tower"
    update_config(simulator, spec)
    assert spec_of(simulator).interval_minutes == 60
