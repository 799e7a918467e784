"""Print every point of a building as one JSON object per line (no database needed).

    {"key", "dis", "kind", "unit", "tags": {...}, "equip": key, "equip_tags": {...}}

Tag values are Hayson JSON (markers {"_kind": "marker"}, refs {"_kind": "ref", "val": key}).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from ... import engine
from ...services.config_files import load_config_file


def load_spec(path, seed=None):
    """The spec in a JSON/YAML file (None: the default building); CommandError(2) if invalid.

    The file holds a building spec, or a simulator config {"building_config": spec, ...}.
    """
    try:
        data = {} if path is None else load_config_file(path)
        if "building_config" in data:
            building = dict(data["building_config"] or {})
            if "interval_minutes" in data:
                building["interval_minutes"] = data["interval_minutes"]
            data = building
        if seed is not None:
            data = {**engine.parse_spec(data).to_dict(), "seed": seed}
        return engine.parse_spec(data)
    except (ValueError, engine.SpecError) as exc:
        raise CommandError(str(exc), returncode=2) from None


class Command(BaseCommand):
    help = "Print the building's points as JSON lines: key, dis, kind, unit, tags, equip."

    def add_arguments(self, parser):
        parser.add_argument("--config", help="building spec, JSON or YAML (default building)")

    def handle(self, *args, config=None, **options):
        catalogue = engine.catalogue(load_spec(config))
        for p in catalogue.points:
            record = {
                "key": p.key, "dis": p.dis, "kind": p.kind, "unit": p.unit, "tags": p.tags,
                "equip": p.equip, "equip_tags": catalogue.entity(p.equip).tags,
            }
            self.stdout.write(json.dumps(record, ensure_ascii=False))
