"""Org keys whose value tables or indexes would be another org's are refused, in the service,
so the admin and the CLI refuse them with the same field error."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from simulator_app.models import Org
from simulator_app.services.errors import ServiceError
from simulator_app.services.orgs import (
    OrgError, check_org_key, create_org, relation_names, reserved_suffixes,
)
from simulator_app.storage.ddl import index_name, table_names

pytestmark = pytest.mark.django_db


def refused(key):
    with pytest.raises(OrgError) as info:
        create_org(key)
    assert info.value.field == "key"
    assert not Org.objects.filter(key=key).exists()
    return info.value.message


def test_the_reserved_endings_are_every_suffix_the_storage_layer_appends():
    values, current = table_names("k")
    assert current == values + "_current"
    assert set(reserved_suffixes()) == {"_current", "_entity_id_idx", "_ts_idx",
                                        "_current_entity_id_idx"}


def test_a_key_that_names_another_orgs_current_table_is_refused(unique_key):
    key = unique_key("orga")
    create_org(key)
    message = refused(f"{key}_current")
    assert "_current" in message


def test_a_current_key_is_refused_even_before_the_org_it_would_shadow_exists(unique_key):
    """Both directions: `x_current` first, then `x`, would collide just the same."""
    key = unique_key("x")
    refused(f"{key}_current")
    create_org(key)  # `x` itself is fine, and its `_current` table is its own
    assert Org.objects.filter(key=key).exists()


@pytest.mark.parametrize("suffix", ["_current", "_ts_idx", "_entity_id_idx",
                                    "_current_entity_id_idx"])
def test_every_key_ending_in_a_storage_suffix_is_refused(unique_key, suffix):
    assert suffix in refused(unique_key("s") + suffix)


def test_keys_that_only_contain_a_suffix_elsewhere_are_fine(unique_key):
    for key in (unique_key("current"), unique_key("my_current_site"), unique_key("ts_idxs")):
        create_org(key)
        assert Org.objects.filter(key=key).exists()


def test_an_old_colliding_org_in_the_database_still_blocks_its_partner(unique_key):
    """An org created before the rule (or by the platform) keeps its tables; the partner key
    that would share them is refused by looking at the orgs that exist."""
    key = unique_key("legacy")
    Org.objects.create(name=key, key=f"{key}_current", value_table=f"values_{key}_current",
                       schema_name=key)
    assert "_current" in refused(key)


def test_a_long_key_whose_hashed_index_name_is_another_keys_plain_one_is_refused():
    """index_name() shortens names past 63 bytes with a hash; a crafted key can spell that
    shortened name as its own plain index name. Refused in either order."""
    long_key = "a" * 48
    hashed = index_name(table_names(long_key)[1], "entity_id_idx")
    assert hashed.endswith("_entity_id_idx") and len(hashed) == 63
    crafted = hashed[len("values_"):-len("_entity_id_idx")]
    assert index_name(table_names(crafted)[0], "entity_id_idx") == hashed
    assert relation_names(crafted) & relation_names(long_key)

    create_org(long_key)
    assert "would be one of org" in refused(crafted)
    Org.objects.filter(key=long_key).delete()
    create_org(crafted)
    assert "would be one of org" in refused(long_key)


def test_an_orgs_own_key_never_collides_with_itself(unique_key):
    org = create_org(unique_key("self"))
    check_org_key(org.key, existing=org)


def test_the_admin_refuses_a_colliding_key_with_a_field_error(admin_client, unique_key):
    key = unique_key("adm")
    create_org(key)
    response = admin_client.post(reverse("admin:simulator_app_org_add"),
                                 {"name": "Shadow", "key": f"{key}_current"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "_current" in " ".join(errors["key"])
    assert not Org.objects.filter(name="Shadow").exists()


def test_the_admin_still_saves_an_existing_org(admin_client, unique_key):
    org = create_org(unique_key("edit"))
    response = admin_client.post(reverse("admin:simulator_app_org_change", args=[org.pk]),
                                 {"name": "Renamed", "key": org.key, "disabled_ts": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Org.objects.get(pk=org.pk).name == "Renamed"


def test_the_cli_refuses_a_colliding_key_with_exit_status_2(unique_key, capsys):
    key = unique_key("cli")
    create_org(key)
    with pytest.raises(CommandError) as info:
        call_command("hsim_create_simulator", "--org", f"{key}_current", "--name", "Shadow")
    assert info.value.returncode == 2
    assert "_current" in str(info.value)
    assert not Org.objects.filter(key=f"{key}_current").exists()


def test_org_errors_are_service_errors_naming_the_key_field():
    with pytest.raises(ServiceError) as info:
        check_org_key("zz_ts_idx")
    assert set(info.value.errors) == {"key"}
