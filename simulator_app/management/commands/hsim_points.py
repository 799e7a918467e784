"""Print every point of a building as one JSON object per line (no database needed).

    {"key", "dis", "kind", "unit", "tags": {...}, "equip": key, "equip_tags": {...}}

Tag values are Hayson JSON (markers {"_kind": "marker"}, refs {"_kind": "ref", "val": key}).
"""

import functools
import json
import os
import sys

from django.core.management.base import BaseCommand, CommandError

from ... import engine
from ...services.config_files import load_building_file


def quiet_on_closed_pipe(handle):
    """`hsim_points | head`: a reader that stops early is not an error worth a traceback."""

    @functools.wraps(handle)
    def wrapper(*args, **kwargs):
        try:
            return handle(*args, **kwargs)
        except BrokenPipeError:
            # Python flushes stdout again at exit; point it at /dev/null so that is silent too.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    return wrapper


def load_spec(path, seed=None):
    """The spec in a JSON/YAML file (None: the default building); CommandError(2) if invalid.

    The file holds a building spec, or a simulator config {"building_config": spec, ...}.
    """
    try:
        data = {} if path is None else load_building_file(path)[0]
        if seed is not None:
            data = {**engine.parse_spec(data).to_dict(), "seed": seed}
        return engine.parse_spec(data)
    except engine.SpecError as exc:
        raise CommandError(exc.describe(), returncode=2) from None
    except ValueError as exc:
        raise CommandError(str(exc), returncode=2) from None


class Command(BaseCommand):
    help = "Print the building's points as JSON lines: key, dis, kind, unit, tags, equip."

    def add_arguments(self, parser):
        parser.add_argument("--config", help="building spec, JSON or YAML (default building)")

    @quiet_on_closed_pipe
    def handle(self, *args, config=None, **options):
        catalogue = engine.catalogue(load_spec(config))
        for p in catalogue.points:
            record = {
                "key": p.key, "dis": p.dis, "kind": p.kind, "unit": p.unit, "tags": p.tags,
                "equip": p.equip, "equip_tags": catalogue.entity(p.equip).tags,
            }
            self.stdout.write(json.dumps(record, ensure_ascii=False))
