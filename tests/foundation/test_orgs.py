import pytest
from django.db import connection

from simulator_app.models import Org
from simulator_app.services.orgs import OrgError, create_org, get_or_create_org

pytestmark = pytest.mark.django_db


def value_tables_named(pattern):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'core' AND table_name LIKE %s",
            [pattern],
        )
        return {row[0] for row in cursor.fetchall()}


def index_defs(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'core' AND tablename = %s", [table]
        )
        return [row[0] for row in cursor.fetchall()]


def test_creating_an_org_creates_both_value_tables(unique_key):
    key = unique_key()
    org = create_org(key, "Org One")
    assert org.value_table == f"values_{key}"
    assert value_tables_named(f"values_{key}%") == {f"values_{key}", f"values_{key}_current"}
    values = index_defs(f"values_{key}")
    assert any("PRIMARY KEY" in d or f"values_{key}_pkey" in d and "(entity_id, ts)" in d for d in values)
    assert any("(entity_id, ts)" in d for d in values)
    assert any("(ts DESC)" in d for d in values)
    assert any("(entity_id)" in d and "UNIQUE" in d for d in index_defs(f"values_{key}_current"))


def test_get_or_create_org_returns_the_existing_org(unique_key):
    key = unique_key()
    first, created = get_or_create_org(key)
    again, created_again = get_or_create_org(key)
    assert created and not created_again
    assert first.id == again.id
    assert Org.objects.filter(key=key).count() == 1


@pytest.mark.parametrize(
    "key",
    [
        "demo; DROP TABLE core.org; --",
        "Robert'); DROP TABLE core.entity;--",
        'x"; drop schema core cascade; --',
        "with space",
        "UPPER",
        "1starts_with_digit",
        "",
        "a" * 200,
        "dash-ed",
    ],
)
def test_a_hostile_or_malformed_org_key_is_refused_and_nothing_is_created(key):
    tables_before = value_tables_named("values_%")
    with pytest.raises(OrgError) as info:
        create_org(key, "Hostile")
    assert info.value.field == "key"
    assert not Org.objects.filter(name="Hostile").exists()
    assert value_tables_named("values_%") == tables_before
    assert value_tables_named("org") == {"org"}


def test_a_duplicate_org_key_is_refused(unique_key):
    key = unique_key()
    create_org(key)
    with pytest.raises(OrgError) as info:
        create_org(key, "Another name")
    assert info.value.field == "key"
