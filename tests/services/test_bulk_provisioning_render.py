"""TagLines.building (per-entity lines reused across buildings) renders the generic lines."""

import pytest

from simulator_app.engine.fleet import variants
from simulator_app.services import bulk_provisioning
from simulator_app.services.provisioning import provision
from simulator_app.services.simulator_config import parse_building
from simulator_app.services.tag_defs import ensure_tag_defs
from simulator_app.services.tag_values import tag_columns
from tests.services.test_bulk_provisioning import awkward_spec, new_simulator, postgresql_only
from tests.services.test_fleets import catalogue_rows


def generic(items, mapping, tag_ids):
    return "".join(
        bulk_provisioning.line(bulk_provisioning.tag_row(
            mapping[key], tag_ids[name], tag_columns(value, mapping)))
        for key, tags, _ in items for name, value in tags.items()
    )


def buildings():
    """Diverse fleet buildings (climates, layouts, counts), with names COPY must escape and
    braces, a repeat of the first building and one whose tags change under the same keys."""
    specs = []
    for index, spec in enumerate(variants({}, 31, 14)):
        spec["site"]["name"] = f"Tab\there {{back\\slash}} {index % 3}"
        specs.append(parse_building(spec))
    built = [bulk_provisioning.catalogue_items(spec) for spec in specs]
    built.append(built[0])
    changed = [(key, dict(tags), is_point) for key, tags, is_point in built[1]]
    for _, tags, is_point in changed:
        if is_point:
            tags["dis"] = tags["dis"] + " {0}"  # same key and tz, another value
    reordered = [(key, dict(reversed(tags.items())), p) for key, tags, p in built[2]]
    extra = [("extra", {"flag": True, "count": 3, "ratio": 0.25, "where":
                        {"_kind": "coord", "lat": 1.5, "lng": -2.0}}, False)]
    return [*built, changed, reordered, extra, built[1]]


@pytest.mark.django_db
def test_buildings_render_byte_for_byte_as_the_generic_lines_do():
    batch = buildings()
    tag_ids = ensure_tag_defs({name for items in batch for _, tags, _ in items for name in tags})
    lines = bulk_provisioning.TagLines(tag_ids)
    next_id = 1
    for items in batch * 2:  # the second pass renders from what the first one kept
        mapping = {}
        for key, _, _ in items:
            mapping[key] = next_id
            next_id += 7  # ids are not contiguous in general
        assert lines.building(items, mapping) == generic(items, mapping, tag_ids)
    kept = [entry for entry in lines.formats.values() if entry]
    assert len(kept) > 500  # most entities did go through the kept lines


@postgresql_only
def test_a_later_batch_reusing_the_kept_lines_writes_what_one_by_one_writes(org):
    first = [awkward_spec(i) for i in range(3)]
    later = [awkward_spec(i) for i in range(3, 6)]
    sims = [new_simulator(org, 21_000_000 + i, spec) for i, spec in enumerate(first + later)]
    bulk_provisioning.provision_new(list(zip(sims[:3], first)))
    kept = bulk_provisioning._KEPT.lines
    bulk_provisioning.provision_new(list(zip(sims[3:], later)))
    assert bulk_provisioning._KEPT.lines is kept
    for simulator, spec in zip(sims[3:], later):
        twin = new_simulator(org, simulator.poller_id + 1_000, spec)
        provision(twin, spec)
        assert catalogue_rows(simulator) == catalogue_rows(twin)


@pytest.mark.django_db
def test_kept_lines_whose_tag_ids_are_gone_are_not_reused():
    bulk_provisioning._KEPT.lines = bulk_provisioning.TagLines({"dis": -1})
    assert bulk_provisioning._tag_lines().tag_ids == {}
