"""core.tag_def rows for the Haystack tags hsim writes, each with a one-line doc."""

import json
from functools import lru_cache
from pathlib import Path

from ..models import TagDef

DOCS_FILE = Path(__file__).resolve().parent.parent / "data" / "haystack_tags.json"


@lru_cache(maxsize=1)
def tag_docs():
    return json.loads(DOCS_FILE.read_text())


def ensure_tag_defs(names):
    """name -> tag_def id, creating missing rows (with their doc where we have one)."""
    names = set(names)
    existing = dict(TagDef.objects.filter(name__in=names).values_list("name", "id"))
    docs = tag_docs()
    missing = sorted(names - existing.keys())
    if missing:
        TagDef.objects.bulk_create(
            [
                TagDef(name=name, doc=docs.get(name))
                for name in missing
            ],
            ignore_conflicts=True,
        )
        existing = dict(TagDef.objects.filter(name__in=names).values_list("name", "id"))
    return existing
