"""Bulk provisioning (COPY, pipelined in chunks) writes what one-by-one provisioning writes."""

import pytest
from django.db import connection

from simulator_app.engine.fleet import variants
from simulator_app.models import EntityTag, Simulator, SimulatorEntity
from simulator_app.services import bulk_provisioning
from simulator_app.services.provisioning import provision
from simulator_app.services.simulator_config import config_text, parse_building
from simulator_app.services.tag_defs import ensure_tag_defs
from simulator_app.services.tag_values import tag_columns
from tests.services.test_fleets import catalogue_rows

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY path is PostgreSQL's"
)


def new_simulator(org, poller_id, spec):
    simulator = Simulator.objects.create(org=org, poller_id=poller_id, poller_name="b",
                                         config=config_text(spec, org))
    simulator.org = org
    return simulator


def awkward_spec(index):
    """A fleet variant whose names hold the characters COPY's text format escapes."""
    spec = variants({}, 17, 1, start=index)[0]
    spec["site"]["name"] = f"Tab\there, back\\slash {index}"
    spec["site"]["address"] = "1 Line\nBreak St\r"
    return parse_building(spec)


@postgresql_only
def test_chunked_bulk_provisioning_writes_exactly_what_one_by_one_writes(org):
    specs = [awkward_spec(i) for i in range(5)]
    bulk = [new_simulator(org, 20_000_000 + i, spec) for i, spec in enumerate(specs)]
    written = bulk_provisioning.provision_new(list(zip(bulk, specs)), chunk=2)
    assert written == SimulatorEntity.objects.filter(simulator__in=bulk).count() > 0
    for simulator, spec in zip(bulk, specs):
        twin = new_simulator(org, simulator.poller_id + 1_000, spec)
        provision(twin, spec)
        assert catalogue_rows(simulator) == catalogue_rows(twin)
        assert EntityTag.objects.filter(
            entity_id__in=SimulatorEntity.objects.filter(simulator=simulator)
            .values("entity_id")).count() == sum(
                len(tags) for _, tags, _ in bulk_provisioning.catalogue_items(spec))


@postgresql_only
def test_re_provisioning_a_bulk_made_simulator_changes_nothing(org):
    spec = awkward_spec(9)
    simulator = new_simulator(org, 20_100_000, spec)
    bulk_provisioning.provision_new([(simulator, spec)])
    result = provision(simulator, spec)
    assert (result["added"], result["disabled"], result["tags_added"],
            result["tags_disabled"]) == (0, 0, 0, 0)


@pytest.mark.django_db
def test_cached_tag_fragments_render_the_generic_copy_lines():
    """Every tag of a few diverse buildings renders as the generic `tag_row` would."""
    items = [item for i in range(4) for item in bulk_provisioning.catalogue_items(awkward_spec(i))]
    extra = {"flag": True, "off": False, "count": 3, "ratio": 0.25, "neg": -2,
             "odd": "a\tb\\c\nd", "where": {"_kind": "coord", "lat": 1.5, "lng": -2.0}}
    items.append(("extra", extra, False))
    tag_ids = ensure_tag_defs({name for _, tags, _ in items for name in tags})
    mapping = {key: 1000 + n for n, (key, _, _) in enumerate(items)}
    lines = bulk_provisioning.TagLines(tag_ids)
    for _ in range(2):  # the second pass renders from the cached fragments
        for key, tags, _ in items:
            generic = "".join(
                bulk_provisioning.line(bulk_provisioning.tag_row(
                    mapping[key], tag_ids[name], tag_columns(value, mapping)))
                for name, value in tags.items()
            )
            assert lines.entity(mapping[key], tags, mapping) == generic

