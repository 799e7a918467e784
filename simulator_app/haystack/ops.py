"""The Haystack ops hsim serves. Each takes the request context and grid, returns a grid.

An OpError becomes an error grid (HTTP 200, as the spec's error grids are); nothing here
writes project data: the API reads the simulated building and only keeps watch state.
"""

import re
import socket
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import rusty_haystack as hs
from django.conf import settings
from django.utils import timezone as dj_timezone

from ..services.history import entity_rows
from ..services.value_databases import multi_writer
from . import entities, ranges, timezones, watches
from .codecs import grid_of, hdatetime, now_utc
from .localtime import local_datetimes
from .errors import OpError, UnknownOp

BOOT_TIME = datetime.now(timezone.utc)
HAYSTACK_VERSION = "4.0"
PRODUCT_VERSION = "2.0"


@dataclass
class Context:
    user: object
    org: object
    token_hash: str = None


# name -> (summary, noSideEffects: may be called with GET)
OPS = {
    "about": ("Summary information for server", True),
    "ops": ("Operations supported by this server", True),
    "formats": ("Grid data formats supported by this server", True),
    "read": ("Read entity records in database", True),
    "nav": ("Navigate record tree", True),
    "hisRead": ("Read time series from historian", True),
    "watchSub": ("Watch subscription", False),
    "watchUnsub": ("Watch unsubscription", False),
    "watchPoll": ("Watch poll cov or refresh", False),
    "close": ("Close the session (revoke its auth token)", False),
}


def run(name, context, grid):
    handler = HANDLERS.get(name)
    if handler is None:
        raise UnknownOp(name)
    return handler(context, grid)


def about(context, grid):
    return grid_of([{
        "haystackVersion": HAYSTACK_VERSION,
        "tz": "UTC",
        "serverName": socket.gethostname(),
        "serverTime": now_utc(),
        "serverBootTime": hdatetime(BOOT_TIME, timezone.utc, "UTC"),
        "productName": "hsim",
        "productUri": hs.Uri("https://project-haystack.org/"),
        "productVersion": PRODUCT_VERSION,
        "moduleName": "simulator_app.haystack",
        "moduleVersion": PRODUCT_VERSION,
        "vendorName": "hsim",
        "vendorUri": hs.Uri("https://project-haystack.org/"),
        "projectName": context.org.key,
        "whoami": context.user.get_username(),
    }])


def ops(context, grid):
    rows = [{"name": n, "summary": s, **({"noSideEffects": hs.Marker()} if g else {})}
            for n, (s, g) in OPS.items()]
    return grid_of(rows, columns=["name", "summary", "noSideEffects"])


def formats(context, grid):
    both = {"receive": hs.Marker(), "send": hs.Marker()}
    return grid_of([
        {"mime": "text/zinc", **both},
        {"mime": "application/json", **both},
        {"mime": "application/vnd.haystack+json", **both},
        {"mime": "application/json;v=3", "send": hs.Marker()},
    ], columns=["mime", "receive", "send"])


def _first_row(grid):
    rows = grid.rows()
    return rows[0] if rows else hs.HDict({})


def _ids(grid):
    if grid.col("id") is None:
        return None
    return [row.get("id") for row in grid.rows()]


def _entity_id(ref):
    if isinstance(ref, hs.Ref):
        text = ref.val
    elif isinstance(ref, str):
        text = ref
    else:
        return None
    text = text.lstrip("@")
    return int(text) if text.isdigit() else None


def records_grid(records):
    if not records:
        return grid_of([], columns=["id"])
    return grid_of([hs.HDict(r) for r in records])


def read(context, grid):
    ids = _ids(grid)
    if ids is not None:
        return read_by_ids(context, ids)
    row = _first_row(grid)
    text = row.get("filter")
    if not isinstance(text, str) or not text.strip():
        raise OpError("read needs a filter or ids")
    limit = row.get("limit")
    limit = int(limit.val) if isinstance(limit, hs.Number) and limit.val > 0 else None
    return records_grid(filtered(context.org, text, limit))


# rusty-haystack reads a comparison whose value is missing at the end (`site ==`) as a
# comparison with Null, matching nothing, where the filter grammar has no such thing.
_DANGLING_COMPARISON = re.compile(r"(==|!=|<=|>=|<|>)\s*$")


def filtered(org, text, limit=None):
    if _DANGLING_COMPARISON.search(text):
        raise OpError(f"bad filter {text!r}: a comparison needs a value after its operator")
    records = entities.load(org)
    graph = hs.EntityGraph()
    for record in records.values():
        graph.add(hs.HDict(record))
    try:
        matches = graph.read(text, 0)
    except Exception as exc:  # rusty-haystack reports a bad filter as GraphError
        raise OpError(f"bad filter {text!r}: {exc}") from exc
    found = sorted((records[int(m.id().val)] for m in matches), key=entities.sort_key)
    return found[:limit] if limit else found


def read_by_ids(context, ids):
    records = entities.load(context.org)
    out = []
    for ref in ids:
        entity_id = _entity_id(ref)
        out.append(records.get(entity_id, {}))  # the spec: an unknown id reads as a null row
    if not any(out):
        return grid_of([hs.HDict({}) for _ in out], columns=["id"])
    return grid_of([hs.HDict(r) for r in out])


def nav(context, grid):
    nav_id = _first_row(grid).get("navId")
    records = entities.load(context.org)
    if nav_id is None:
        children = [r for r in records.values() if "site" in r or
                    ("weatherStation" in r and "siteRef" not in r)]
    else:
        parent = _entity_id(nav_id)
        if parent not in records:
            raise OpError(f"unknown navId {nav_id}")
        children = [r for r in records.values() if _is_child(r, str(parent), records[parent])]
    rows = []
    for record in sorted(children, key=entities.sort_key):
        row = dict(record)
        if "point" not in record:
            row["navId"] = record["id"]
        rows.append(hs.HDict(row))
    return grid_of(rows) if rows else grid_of([], columns=["id"])


def _ref_is(value, target):
    return isinstance(value, hs.Ref) and value.val == target


def _is_child(record, parent, parent_record):
    if "site" in parent_record:
        return ("equip" in record and _ref_is(record.get("siteRef"), parent)
                and "equipRef" not in record)
    if "weatherStation" in parent_record:
        return "point" in record and _ref_is(record.get("weatherStationRef"), parent)
    return _ref_is(record.get("equipRef"), parent)


def his_read(context, grid):
    ids = _ids(grid)
    if not ids:
        raise OpError("hisRead needs an id")
    meta, first = grid.meta(), _first_row(grid)
    text = first.get("range") if first.get("range") is not None else meta.get("range")
    if len(ids) > 100:
        raise OpError("hisRead reads at most 100 points at once")
    wanted = [i for i in (_entity_id(ref) for ref in ids) if i is not None]
    records = entities.load(context.org, with_current=False, only=wanted)
    points = []
    for ref in ids:
        record = records.get(_entity_id(ref))
        if record is None or "his" not in record:
            raise OpError(f"unknown his point {ref}")
        points.append(record)
    zone_name = points[0].get("tz") if isinstance(points[0].get("tz"), str) else "UTC"
    zone = timezones.zone(zone_name)
    try:
        start, end = ranges.resolve(text, zone, dj_timezone.now())
    except ranges.BadRange as exc:
        raise OpError(str(exc)) from exc
    # The grid is built in memory: bound it like the REST history (points x intervals).
    expected = entity_rows([int(p["id"].val) for p in points], start, end)
    if expected > settings.HSIM_HISTORY_MAX_ROWS:
        raise OpError(f"hisRead of {expected} rows (points x intervals); at most"
                      f" {settings.HSIM_HISTORY_MAX_ROWS}: shorten the range or read fewer"
                      " points")
    writer = multi_writer()
    try:
        rows = writer.primary.read_rows(
            context.org.key, entity_ids=[int(p["id"].val) for p in points], start=start, end=end)
    finally:
        writer.close()
    hmeta = {"hisStart": hdatetime(start, zone, zone_name),
             "hisEnd": hdatetime(end, zone, zone_name)}
    if len(points) == 1:
        hmeta["id"] = points[0]["id"]
        stamps, values = _series(rows, points[0])
        times = local_datetimes(stamps, zone, zone_name)
        return grid_of([{"ts": t, "val": v} for t, v in zip(times, values)], meta=hmeta,
                       columns=["ts", "val"])
    merged = {}
    for index, point in enumerate(points):
        for t, v in zip(*_series(rows, point)):
            merged.setdefault(t, {})[f"v{index}"] = v
    columns = [hs.HCol("ts")] + [hs.HCol(f"v{i}", hs.HDict({"id": p["id"]}))
                                 for i, p in enumerate(points)]
    stamps = sorted(merged)
    times = local_datetimes(np.asarray(stamps, dtype=np.int64), zone, zone_name)
    return grid_of([{"ts": t, **merged[s]} for t, s in zip(times, stamps)], meta=hmeta,
                   columns=columns)


def _series(rows, point):
    """(µs timestamps, Haystack values) of one point; rows with no value are left out."""
    entity_id = int(point["id"].val)
    mask = rows.entity_id == entity_id
    ts, numbers, flags = rows.ts[mask], rows.value_n[mask], rows.value_b[mask]
    unit = point.get("unit") if isinstance(point.get("unit"), str) else None
    if point.get("kind") == "Bool" or (len(flags) and (flags >= 0).all()):
        keep = flags >= 0
        return ts[keep], [bool(b) for b in flags[keep].tolist()]
    keep = ~np.isnan(numbers)
    return ts[keep], [hs.Number(n, unit) for n in numbers[keep].tolist()]


def close(context, grid):
    from .auth import revoke

    revoke(context.token_hash)
    return grid_of([], columns=["empty"])


HANDLERS = {
    "about": about,
    "ops": ops,
    "formats": formats,
    "read": read,
    "nav": nav,
    "hisRead": his_read,
    "watchSub": lambda c, g: watches.sub(c, g),
    "watchUnsub": lambda c, g: watches.unsub(c, g),
    "watchPoll": lambda c, g: watches.poll(c, g),
    "close": close,
}
