"""The core tables match the platform's reference schema, checked in the catalog."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# table -> {column: (data_type, nullable)} as information_schema reports them.
REFERENCE_COLUMNS = {
    "org": {
        "id": ("integer", "NO"),
        "name": ("character varying", "YES"),
        "key": ("character varying", "YES"),
        "value_table": ("character varying", "NO"),
        "disabled_ts": ("timestamp without time zone", "YES"),
        "schema_name": ("character varying", "NO"),
    },
    "entity": {
        "id": ("integer", "NO"),
        "value_table_id": ("character varying", "YES"),
        "disabled_ts": ("timestamp without time zone", "YES"),
    },
    "entity_tag": {
        "id": ("integer", "NO"),
        "entity_id": ("integer", "YES"),
        "tag_id": ("integer", "YES"),
        "value_n": ("numeric", "YES"),
        "value_b": ("boolean", "YES"),
        "value_s": ("character varying", "YES"),
        "value_ts": ("timestamp without time zone", "YES"),
        "value_list": ("ARRAY", "YES"),
        "value_dict": ("jsonb", "YES"),
        "value_ref": ("integer", "YES"),
        "value_enum": ("integer", "YES"),
        "disabled_ts": ("timestamp without time zone", "YES"),
    },
    "tag_def": {
        "id": ("integer", "NO"),
        "name": ("character varying", "NO"),
        "url": ("character varying", "YES"),
        "doc": ("character varying", "YES"),
        "dis": ("character varying", "YES"),
        "file_ext": ("character varying", "YES"),
        "mime": ("character varying", "YES"),
        "version": ("character varying", "YES"),
        "min_val": ("integer", "YES"),
        "max_val": ("integer", "YES"),
        "base_uri": ("character varying", "YES"),
        "pref_unit": ("ARRAY", "YES"),
        "disabled_ts": ("timestamp without time zone", "YES"),
    },
    "org_entity_permission": {
        "id": ("integer", "NO"),
        "org_id": ("integer", "NO"),
        "entity_id": ("integer", "NO"),
    },
    "poller_config": {
        "id": ("integer", "NO"),
        "org_id": ("integer", "NO"),
        "poller_type": ("character varying", "NO"),
        "poller_id": ("integer", "NO"),
        "poller_name": ("character varying", "NO"),
        "config": ("text", "NO"),
        "created_at": ("timestamp without time zone", "YES"),
        "status": ("character varying", "NO"),
    },
    "simulator_state": {
        "id": ("integer", "NO"),
        "service_name": ("character varying", "YES"),
        "last_run_timestamp": ("timestamp with time zone", "YES"),
        "totalizers": ("jsonb", "YES"),
        "status": ("character varying", "YES"),
        "config": ("jsonb", "YES"),
        "error_message": ("text", "YES"),
        "created_at": ("timestamp with time zone", "YES"),
        "updated_at": ("timestamp with time zone", "YES"),
        "simulator_id": ("integer", "YES"),
        "engine_state": ("jsonb", "YES"),
    },
    "simulator_activity_log": {
        "id": ("integer", "NO"),
        "simulator_id": ("integer", "NO"),
        "timestamp": ("timestamp with time zone", "YES"),
        "event_type": ("character varying", "NO"),
        "message": ("text", "NO"),
        "details": ("jsonb", "YES"),
        "created_at": ("timestamp with time zone", "YES"),
    },
}

# index name -> (table, fragment of its definition)
REFERENCE_INDEXES = {
    "org_pkey": ("org", "(id)"),
    "ix_core_org_name": ("org", "UNIQUE INDEX ix_core_org_name ON core.org USING btree (name)"),
    "entity_pkey": ("entity", "(id)"),
    "entity_tag_pkey": ("entity_tag", "(id)"),
    "entity_tag_entity_id_tag_id_disabled_ts_key": (
        "entity_tag",
        "UNIQUE INDEX entity_tag_entity_id_tag_id_disabled_ts_key ON core.entity_tag USING btree"
        " (entity_id, tag_id, disabled_ts)",
    ),
    "ix_core_entity_tag_entity_id": ("entity_tag", "(entity_id)"),
    "ix_core_entity_tag_tag_id": ("entity_tag", "(tag_id)"),
    "ix_core_tag_def_name": ("tag_def", "UNIQUE INDEX ix_core_tag_def_name"),
    "org_entity_permission_org_id_entity_id_key": (
        "org_entity_permission",
        "UNIQUE INDEX org_entity_permission_org_id_entity_id_key ON core.org_entity_permission"
        " USING btree (org_id, entity_id)",
    ),
    "poller_config_poller_id_key": (
        "poller_config",
        "UNIQUE INDEX poller_config_poller_id_key ON core.poller_config USING btree (poller_id)",
    ),
    "ux_simulator_state_simulator_id": (
        "simulator_state",
        "UNIQUE INDEX ux_simulator_state_simulator_id ON core.simulator_state USING btree"
        " (simulator_id)",
    ),
    "idx_activity_log_simulator_id": ("simulator_activity_log", "(simulator_id)"),
    "idx_activity_log_timestamp": ("simulator_activity_log", '("timestamp" DESC)'),
}


def columns_of(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
            " WHERE table_schema = 'core' AND table_name = %s",
            [table],
        )
        return {name: (dtype, nullable) for name, dtype, nullable in cursor.fetchall()}


@pytest.mark.parametrize("table", sorted(REFERENCE_COLUMNS))
def test_core_table_has_the_reference_columns_and_types(table):
    assert columns_of(table) == REFERENCE_COLUMNS[table]


def test_core_indexes_and_keys_match_the_reference():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = 'core'")
        found = {name: (table, definition) for name, table, definition in cursor.fetchall()}
    for name, (table, fragment) in REFERENCE_INDEXES.items():
        assert name in found, f"index {name} missing"
        assert found[name][0] == table
        assert fragment in found[name][1], found[name][1]


def test_primary_keys_are_the_reference_ones():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tc.table_name, string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position)"
            " FROM information_schema.table_constraints tc"
            " JOIN information_schema.key_column_usage kcu"
            "   ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema"
            " WHERE tc.table_schema = 'core' AND tc.constraint_type = 'PRIMARY KEY'"
            " GROUP BY tc.table_name"
        )
        keys = dict(cursor.fetchall())
    for table in REFERENCE_COLUMNS:
        assert keys[table] == "id"


def test_django_tables_stay_in_public():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name IN"
            " ('django_migrations', 'auth_user', 'django_celery_beat_periodictask')"
        )
        schemas = {row[0] for row in cursor.fetchall()}
    assert schemas == {"public"}
