"""A simulator's `poller_config.config`: the building spec and the interval, as JSON text.

Shape (the platform's convention, plus the value table for readers of the row):
    {"building_config": {...spec...}, "interval_minutes": 15, "value_table": "values_demo"}
The spec's own `interval_minutes` is kept equal to the top-level one.
"""

import json

from .. import engine
from . import json_text
from .errors import ServiceError


def parse_building(building, interval_minutes=None):
    """Validate a building spec (None = the default building); field errors as ServiceError."""
    data = engine.default_spec().to_dict() if building is None else dict(building)
    if json_text.too_deep(data):  # before any recursive walk over it (nul_path, the parser)
        raise ServiceError({"building_config": f"nested deeper than {json_text.MAX_DEPTH}"
                                               " levels"})
    where = nul_path(data)
    if where is not None:
        # PostgreSQL text cannot hold NUL: refuse it here rather than fail in provisioning.
        raise ServiceError({f"building_config.{where}": "text must not contain NUL characters"})
    if interval_minutes is not None:
        data["interval_minutes"] = interval_minutes
    try:
        return engine.parse_spec(data)
    except engine.SpecError as exc:
        raise ServiceError(spec_errors(exc)) from None


def nul_path(value, path=""):
    """The dotted path of the first key or string holding a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        child = f"{path}.{key}" if path else str(key)
        if "\x00" in str(key):
            return child
        found = nul_path(item, child)
        if found is not None:
            return found
    return None


def spec_errors(exc):
    errors = getattr(exc, "errors", None) or {"building_config": str(exc)}
    if isinstance(errors, dict):
        return {f"building_config.{k}": v for k, v in errors.items()}
    return {f"building_config.{e['field']}": e["message"] for e in errors}


def config_text(spec, org):
    return json.dumps(
        {
            "building_config": spec.to_dict(),
            "interval_minutes": spec.interval_minutes,
            "value_table": org.value_table,
        },
        sort_keys=True,
    )


def spec_of_config(text):
    try:
        config = json.loads(text or "{}")
    except ValueError:
        raise ServiceError({"config": "the stored poller config is not valid JSON"}) from None
    return parse_building(config.get("building_config"), config.get("interval_minutes"))


def spec_of(simulator):
    return spec_of_config(simulator.config)
