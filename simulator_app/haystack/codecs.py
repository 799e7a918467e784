"""Grids on the wire: Zinc 3.0, Haystack 4 JSON (Hayson) and Haystack 3 JSON.

The codecs are rusty-haystack's; this module only picks one by `Accept` / `Content-Type`,
builds grids, and turns GET query parameters into a one-row request grid as the HTTP API
spec says (each value Zinc-encoded, otherwise a Str).
"""

import json
import re
from datetime import datetime, timezone

import rusty_haystack as hs

ZINC, JSON4, JSON3 = "text/zinc", "application/json", "application/json;v=3"
HAYSTACK_JSON = "application/vnd.haystack+json"


class BadRequest(ValueError):
    """The request grid cannot be read (HTTP 400)."""


class NotAcceptable(ValueError):
    """No encoding we write fits the Accept header (HTTP 406)."""


FORMATS = (  # (mime, codec, content type sent)
    ("text/zinc", ZINC, "text/zinc; charset=utf-8"),
    ("application/json", JSON4, "application/json; charset=utf-8"),
    (HAYSTACK_JSON, JSON4, HAYSTACK_JSON + "; charset=utf-8"),
    ("text/plain", ZINC, "text/plain; charset=utf-8"),
)


def negotiate(accept):
    """(codec, content type) for an Accept header; Zinc when the client does not say."""
    if not accept or not accept.strip():
        return ZINC, FORMATS[0][2]
    for item in _accept_items(accept):
        mime, params = item
        if mime == "application/json" and params.get("v") == "3":
            return JSON3, "application/json; charset=utf-8"
        for name, codec, content_type in FORMATS:
            if mime == name:
                return codec, content_type
        if mime in ("*/*", "text/*"):
            return ZINC, FORMATS[0][2]
        if mime == "application/*":
            return JSON4, FORMATS[1][2]
    raise NotAcceptable(f"no supported encoding in Accept: {accept}")


def _accept_items(accept):
    items = []
    for index, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        params = {}
        for p in pieces[1:]:
            if "=" in p:
                key, value = p.split("=", 1)
                params[key.strip().lower()] = value.strip()
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if pieces[0] and q > 0:
            items.append((-q, index, pieces[0].lower(), params))
    return [(mime, params) for _, _, mime, params in sorted(items)]


def encode(codec, grid):
    if codec == JSON4 and not grid.meta().has("ver"):
        # The Zinc and Haystack 3 JSON writers add ver themselves (and would write a second
        # one); the Haystack 4 JSON writer leaves it out unless the meta has it.
        meta = grid.meta()
        meta.set("ver", "3.0")
        grid = hs.HGrid.from_parts(meta, grid.cols(), grid.rows())
    return hs.encode_grid(codec, grid)


_H3_VALUE = re.compile(r'"[mrnsdthucbx]:')


def decode_body(content_type, body):
    """The request grid of a POST body; an empty body is an empty grid."""
    text = body.decode("utf-8", errors="strict") if isinstance(body, bytes) else body
    if not text.strip():
        return empty_grid()
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime in ("application/json", HAYSTACK_JSON):
        codec = JSON4 if '"_kind"' in text or not _H3_VALUE.search(text) else JSON3
        try:
            json.loads(text)
        except ValueError as exc:
            raise BadRequest(f"request body is not JSON: {exc}") from exc
    elif mime in ("text/zinc", "text/plain", ""):
        codec = ZINC
    else:
        raise BadRequest(f"unsupported request Content-Type {mime!r} (send text/zinc or JSON)")
    try:
        return hs.decode_grid(codec, text)
    except Exception as exc:  # rusty-haystack raises CodecError and a few others
        raise BadRequest(f"cannot read the request grid: {exc}") from exc


# Query parameters whose values are strings in practice: a filter such as `site` or a range
# such as `today` happens to be a valid Zinc keyword in a few cases (`N`, `T`, `M`).
_STRING_PARAMS = {"filter", "range", "watchDis", "watchId"}


def grid_from_query(params):
    """One row from GET query parameters (no parameters: an empty grid)."""
    if not params:
        return empty_grid()
    row = {}
    for name, value in params.items():
        row[name] = _query_value(name, value)
    return grid_of([row])


def _query_value(name, text):
    if name in _STRING_PARAMS and not text.startswith('"'):
        return text
    try:
        return hs.decode_scalar(ZINC, text)
    except Exception:
        return text


def empty_grid(meta=None):
    return hs.HGrid.from_parts(hs.HDict(meta or {}), [hs.HCol("empty")], [])


def grid_of(rows, meta=None, columns=None):
    """A grid of dict rows; columns in first-seen order unless given."""
    if columns is None:
        columns, seen = [], set()
        for row in rows:
            for name in row:
                if name not in seen:
                    seen.add(name)
                    columns.append(name)
    if not columns:
        return empty_grid(meta)
    cols = [c if isinstance(c, hs.HCol) else hs.HCol(c) for c in columns]
    return hs.HGrid.from_parts(
        hs.HDict(meta or {}), cols, [r if isinstance(r, hs.HDict) else hs.HDict(r) for r in rows]
    )


def error_grid(message, trace=None):
    meta = {"err": hs.Marker(), "dis": message}
    if trace:
        meta["errTrace"] = trace
    return empty_grid(meta)


def hdatetime(moment, zone, tz_name):
    """An aware datetime as a Haystack DateTime in `zone` (named `tz_name`)."""
    local = moment.astimezone(zone)
    offset = int(local.utcoffset().total_seconds())
    return hs.HDateTime(local.year, local.month, local.day, local.hour, local.minute,
                        local.second, offset, tz_name)


def now_utc():
    return hdatetime(datetime.now(timezone.utc), timezone.utc, "UTC")
