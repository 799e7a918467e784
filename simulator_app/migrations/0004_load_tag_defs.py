"""core.tag_def rows, with a one-line doc, for every Haystack tag hsim writes (idempotent)."""

import json
from pathlib import Path

from django.db import migrations

DOCS = Path(__file__).resolve().parent.parent / "data" / "haystack_tags.json"


def load_tag_defs(apps, schema_editor):
    TagDef = apps.get_model("simulator_app", "TagDef")
    docs = json.loads(DOCS.read_text())
    existing = {t.name: t for t in TagDef.objects.filter(name__in=list(docs))}
    TagDef.objects.bulk_create(
        [TagDef(name=name, doc=doc) for name, doc in docs.items() if name not in existing],
        ignore_conflicts=True,
    )
    for name, tag in existing.items():
        if not tag.doc:  # an adopted database's own docs are kept; only blanks are filled
            tag.doc = docs[name]
            tag.save(update_fields=["doc"])


class Migration(migrations.Migration):
    dependencies = [("simulator_app", "0003_org_access")]
    operations = [migrations.RunPython(load_tag_defs, migrations.RunPython.noop)]
