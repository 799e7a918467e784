"""Fleets: reproducible, diverse portfolios provisioned in bulk exactly as one by one."""

import pytest

from simulator_app.engine import parse_spec
from simulator_app.engine.fleet import variant, variants
from simulator_app.models import (
    EntityTag, Fleet, FleetMember, OrgEntityPermission, Simulator, SimulatorEntity,
    SimulatorState,
)
from simulator_app.models.state import RUNNING
from simulator_app.services import fleets
from simulator_app.services.errors import ServiceError
from simulator_app.services.provisioning import provision


def test_a_fleet_is_reproducible_from_its_seed():
    assert variants({}, 11, 30) == variants({}, 11, 30)
    assert variants({}, 11, 30) != variants({}, 12, 30)


def test_growing_a_fleet_keeps_the_buildings_it_has():
    assert variants({}, 5, 40)[:10] == variants({}, 5, 10)
    assert variants({}, 5, 5, start=7) == variants({}, 5, 40)[7:12]


def test_every_drawn_building_is_a_valid_spec_and_the_portfolio_is_diverse():
    specs = [parse_spec(v) for v in variants({}, 3, 200)]
    assert len({s.site.area_ft2 for s in specs}) > 50
    assert len({s.equipment.ahu_count for s in specs}) >= 4
    assert len({s.equipment.chillers.count for s in specs}) >= 2
    assert len({len(s.equipment.zone_orientations) for s in specs}) >= 3
    assert len({s.schedule.weekday.start for s in specs}) >= 4
    assert len({s.schedule.weekday.end for s in specs}) >= 4
    assert len({s.setpoints.occupied_cooling_f for s in specs}) >= 3
    assert len({s.site.time_zone for s in specs}) >= 5
    assert len({s.seed for s in specs}) == 200


def test_a_template_that_pins_its_site_keeps_it_unless_presets_are_named():
    template = {"site": {"time_zone": "Europe/London", "latitude": 51.5, "longitude": 0.0}}
    assert {variant(template, 1, i)["site"]["time_zone"] for i in range(20)} == {"Europe/London"}
    zones = {variant(template, 1, i, presets=["miami", "seattle"])["site"]["time_zone"]
             for i in range(40)}
    assert zones == {"America/New_York", "America/Los_Angeles"}


def catalogue_rows(simulator):
    """What provisioning wrote for a simulator, with entity ids replaced by catalogue keys."""
    keys = dict(SimulatorEntity.objects.filter(simulator=simulator)
                .values_list("entity_id", "key"))
    tags = sorted(
        (keys[t.entity_id], t.tag.name, t.value_n, t.value_b, t.value_s, t.value_ts,
         repr(t.value_dict), keys.get(t.value_ref), t.disabled_ts)
        for t in EntityTag.objects.filter(entity_id__in=keys).select_related("tag")
    )
    points = sorted(SimulatorEntity.objects.filter(simulator=simulator)
                    .values_list("key", "is_point", "disabled_at"))
    permissions = OrgEntityPermission.objects.filter(
        entity_id__in=keys, org_id=simulator.org_id).count()
    return tags, points, permissions


def test_bulk_provisioning_writes_exactly_what_one_by_one_provisioning_writes(org):
    fleet = fleets.define_fleet(org, "Bulk", 3, seed=21)
    assert fleets.grow(fleet, batch_size=2) == 3
    for member in FleetMember.objects.filter(fleet=fleet):
        bulk = Simulator.objects.get(poller_id=member.simulator_id)
        twin = Simulator.objects.create(org=org, poller_id=10_000_000 + member.index,
                                        poller_name="twin", config=bulk.config)
        from simulator_app.services.simulator_config import spec_of
        provision(twin, spec_of(bulk))
        assert catalogue_rows(bulk) == catalogue_rows(twin)
        # and a re-provisioning of the bulk-made simulator finds nothing to change
        result = provision(bulk, spec_of(bulk))
        assert (result["added"], result["disabled"], result["tags_added"]) == (0, 0, 0)


def test_asking_again_creates_only_the_missing_members(org):
    fleet = fleets.define_fleet(org, "Again", 2, seed=4)
    fleets.grow(fleet)
    before = set(FleetMember.objects.filter(fleet=fleet).values_list("simulator_id", flat=True))
    fleet = fleets.define_fleet(org, "Again", 4, seed=4)
    assert fleets.grow(fleet) == 2
    after = set(FleetMember.objects.filter(fleet=fleet).values_list("simulator_id", flat=True))
    assert before < after and len(after) == 4
    assert fleets.grow(fleet) == 0
    names = list(Simulator.objects.filter(poller_id__in=after).order_by("poller_name")
                 .values_list("poller_name", flat=True))
    assert names == ["Again 00001", "Again 00002", "Again 00003", "Again 00004"]


@pytest.mark.parametrize("kwargs, field", [
    ({"size": 0}, "size"),
    ({"size": 10**9}, "size"),
    ({"size": "3"}, "size"),
    ({"seed": -1}, "seed"),
    ({"template": {"site": {"floors": 0}}}, "template.site.floors"),
    ({"presets": ["atlantis"]}, "presets"),
    ({"name": " "}, "name"),
])
def test_a_bad_fleet_definition_names_the_field_and_creates_nothing(org, kwargs, field):
    args = {"name": "Bad", "size": 2, **kwargs}
    with pytest.raises(ServiceError) as caught:
        fleets.define_fleet(org, **args)
    assert field in caught.value.errors
    assert not Fleet.objects.filter(org=org).exists()
    assert not Simulator.objects.filter(org=org).exists()


def test_the_same_name_with_another_definition_is_refused(org):
    fleets.define_fleet(org, "Named", 2, seed=1)
    with pytest.raises(ServiceError) as caught:
        fleets.define_fleet(org, "Named", 2, seed=2)
    assert "name" in caught.value.errors


def test_a_selection_of_a_fleet_starts_stops_and_is_deleted(org):
    fleet = fleets.define_fleet(org, "Ops", 3, seed=9)
    fleets.grow(fleet)
    ids = [m.simulator_id for m in fleet.members.order_by("index")]
    assert fleets.start(fleet, indexes=[0, 2]) == 2
    status = dict(SimulatorState.objects.filter(simulator_id__in=ids)
                  .values_list("simulator_id", "status"))
    assert [status[i] == RUNNING for i in ids] == [True, False, True]
    assert fleets.start(fleet) == 1  # only the stopped one
    assert fleets.stop(fleet, indexes=[1]) == 1
    assert fleets.delete(fleet, indexes=[0]) == 1
    assert Simulator.objects.get(poller_id=ids[0]).status == "inactive"
    assert [s.poller_id for s in fleets.members(fleet)] == ids[1:]
    assert fleets.grow(fleet) == 0  # a deleted member is not made again
    assert fleets.delete(fleet) == 2
    assert not Fleet.objects.filter(pk=fleet.pk).exists()


def test_the_fleet_command_creates_grows_and_stops_a_fleet(org, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("hsim_fleet", "create", "--org", org.key, "--name", "Cmd", "--size", "2",
                 "--seed", "3", "--preset", "miami")
    fleet = Fleet.objects.get(org=org, name="Cmd")
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(fleet.pk)
    assert fleet.members.count() == 2
    call_command("hsim_fleet", "create", "--org", org.key, "--name", "Cmd", "--size", "3",
                 "--seed", "3", "--preset", "miami")
    assert fleet.members.count() == 3
    call_command("hsim_fleet", "start", "--org", org.key, "--name", "Cmd", "--index", "1")
    assert "start: 1 building(s)" in capsys.readouterr().out
    with pytest.raises(CommandError) as caught:
        call_command("hsim_fleet", "create", "--org", org.key, "--name", "Cmd", "--size", "3",
                     "--seed", "4", "--preset", "miami")
    assert caught.value.returncode == 2 and "another definition" in str(caught.value)
    with pytest.raises(CommandError):
        call_command("hsim_fleet", "stop", "--org", org.key, "--name", "Nope")


def test_a_fleet_can_draw_its_weather_from_the_packaged_typical_years():
    zones = {parse_spec(v).weather.preset for v in variants({}, 2, 12, presets=["greensboro"])}
    assert zones == {"greensboro"}
