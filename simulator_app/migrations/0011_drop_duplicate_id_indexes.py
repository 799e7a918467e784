"""Drop the three `core` indexes that duplicate a primary key (issue 13: bulk provisioning).

`ix_core_entity_id`, `ix_core_entity_tag_id` and `ix_core_org_entity_permission_id` index `id`
exactly as `entity_pkey`, `entity_tag_pkey` and `org_entity_permission_pkey` do (the platform's
ORM declares `index=True` on its primary keys), so no query can need them; every row written
still paid for them, and on entity_tag that was about a fifth of a fleet's provisioning time.
The other indexes stay, those a leading column of a unique one covers included: they are the
platform's, and its queries (and hsim's tag sync) may rely on them.
"""

from django.db import migrations

DUPLICATES = {
    "ix_core_entity_id": "core.entity",
    "ix_core_entity_tag_id": "core.entity_tag",
    "ix_core_org_entity_permission_id": "core.org_entity_permission",
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in DUPLICATES:
            cursor.execute(f"DROP INDEX IF EXISTS core.{name}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, table in DUPLICATES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING btree (id)")


class Migration(migrations.Migration):

    dependencies = [
        ("simulator_app", "0010_fleets"),
    ]

    operations = [migrations.RunPython(drop, restore)]
