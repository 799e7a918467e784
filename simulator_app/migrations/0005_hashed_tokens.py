"""API tokens stored hashed: DRF's plaintext tokens become knox digests, then are deleted.

A token issued before keeps working (same key, now looked up by its digest); the plaintext
table `authtoken_token` is emptied, not dropped (its app's migrations own it).
"""

from django.db import migrations

PLAINTEXT_TABLE = "authtoken_token"


def hash_plaintext_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if PLAINTEXT_TABLE not in connection.introspection.table_names():
        return  # a fresh database: DRF's token app never ran here
    AuthToken = apps.get_model("knox", "AuthToken")
    table = schema_editor.quote_name(PLAINTEXT_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {table}")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token, _ = AuthToken.objects.get_or_create(
            digest=hash_token(key),
            defaults={"token_key": key[:CONSTANTS.TOKEN_KEY_LENGTH], "user_id": user_id,
                      "expiry": None},
        )
        # `created` is auto_now_add: keep the original issue time.
        AuthToken.objects.filter(pk=token.pk).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("simulator_app", "0004_load_tag_defs"),
        ("knox", "0009_extend_authtoken_field"),
    ]
    # Going back keeps the digests: the plaintext tokens are gone for good.
    operations = [migrations.RunPython(hash_plaintext_tokens, migrations.RunPython.noop)]
