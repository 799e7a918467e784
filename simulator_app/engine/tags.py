"""Haystack tag values as JSON, in the Hayson encoding (Project Haystack JSON, version 4).

    marker            {"_kind": "marker"}
    ref               {"_kind": "ref", "val": "<catalogue key of the referenced entity>"}
    number with unit  {"_kind": "number", "val": 150000, "unit": "ft²"}
    number, unitless  a plain JSON number
    coord             {"_kind": "coord", "lat": 40.71, "lng": -74.01}
    str / bool        a plain JSON string / boolean

Refs name catalogue keys, never database ids: the provisioning layer resolves them.
"""

from functools import lru_cache

MARKER = {"_kind": "marker"}


def marker():
    return dict(MARKER)


def ref(key):
    return {"_kind": "ref", "val": key}


def number(val, unit=None):
    return val if unit is None else {"_kind": "number", "val": val, "unit": unit}


def coord(lat, lng):
    return {"_kind": "coord", "lat": lat, "lng": lng}


def tag_kind(value):
    """'marker', 'ref', 'number', 'coord', 'str' or 'bool' for a tag value."""
    if isinstance(value, dict):
        return value["_kind"]
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "str"


def markers(names):
    """{name: marker} for a space-separated list of tag names (each marker a fresh dict)."""
    return {name: {"_kind": "marker"} for name in _names(names)}


@lru_cache(maxsize=1024)
def _names(names):
    return tuple(names.split())


def matches(tags, query):
    """True when every space-separated tag name in `query` is present in `tags`."""
    return all(name in tags for name in query.split())
