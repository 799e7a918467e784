"""Creates the `core` tables: explicit platform DDL on PostgreSQL, Django's on SQLite."""

from .core_ddl import CORE_TABLES

CORE_MODELS = [
    "Org",
    "Entity",
    "TagDef",
    "EntityTag",
    "OrgEntityPermission",
    "PollerConfig",
    "SimulatorState",
    "ActivityLog",
]


def create_core_tables(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in CORE_TABLES:
                cursor.execute(statement)
        return
    # The migration state of unmanaged models carries no relation fields, so SQLite's tables
    # are built from the models themselves: they mirror the fixed reference schema.
    from .. import models

    existing = set(connection.introspection.table_names())
    for name in CORE_MODELS:
        model = getattr(models, name)
        if model._meta.db_table not in existing:
            schema_editor.create_model(model)
