"""The Haystack HTTP API's tables: SCRAM credentials and handshakes, auth tokens, watches;
and the tag_def rows of standard Haystack 4 tagging (new tags loaded; hsim's own tags that no
standard def names get docs that say so, unless an adopted database wrote its own)."""

import json
from pathlib import Path

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DOCS = Path(__file__).resolve().parent.parent / "data" / "haystack_tags.json"
HSIM_OWN = "hsim's own tag (no Project Haystack def): "


def load_tag_defs(apps, schema_editor):
    TagDef = apps.get_model("simulator_app", "TagDef")
    docs = json.loads(DOCS.read_text())
    existing = {t.name: t for t in TagDef.objects.filter(name__in=list(docs))}
    TagDef.objects.bulk_create(
        [TagDef(name=name, doc=doc) for name, doc in docs.items() if name not in existing],
        ignore_conflicts=True,
    )
    for name, tag in existing.items():
        doc = docs[name]
        unmarked = doc[len(HSIM_OWN):] if doc.startswith(HSIM_OWN) else None
        if not tag.doc or (unmarked and tag.doc.lower() == unmarked.lower()):
            tag.doc = doc
            tag.save(update_fields=["doc"])


class Migration(migrations.Migration):
    dependencies = [
        ("simulator_app", "0008_faults_and_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ScramHandshake",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64, unique=True)),
                ("username", models.CharField(max_length=150)),
                ("client_first_bare", models.TextField(blank=True, default="")),
                ("server_first", models.TextField(blank=True, default="")),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name="HaystackAuthToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="haystack_tokens", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name="HaystackWatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("watch_id", models.CharField(max_length=64, unique=True)),
                ("dis", models.CharField(blank=True, default="", max_length=255)),
                ("lease_seconds", models.PositiveIntegerField()),
                ("entity_ids", models.JSONField(default=list)),
                ("sent", models.JSONField(default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("org", models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="simulator_app.org")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="haystack_watches", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name="ScramCredential",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("salt", models.CharField(max_length=64)),
                ("iterations", models.PositiveIntegerField()),
                ("stored_key", models.CharField(max_length=64)),
                ("server_key", models.CharField(max_length=64)),
                ("password_hash", models.CharField(max_length=128)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="scram_credential", to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(load_tag_defs, migrations.RunPython.noop),
    ]
