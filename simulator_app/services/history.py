"""History of a simulator's points over [start, end): raw rows or rollups, as JSON or CSV text
produced chunk by chunk (the API streams it; nothing holds the whole answer).

Every check runs before the first byte: the range, the points (keys or entity ids of this
simulator's points; anything else is "not found"), the rollup, and the documented bounds
(settings.HSIM_HISTORY_MAX_POINTS points, settings.HSIM_HISTORY_MAX_ROWS = points x intervals
in the range, an interval being the simulator's or the rollup's, whichever is longer).
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

from ..models import Simulator, SimulatorEntity
from ..storage import history as store
from .errors import ServiceError
from .points import PointFilter, matching_points
from .config_epochs import epochs
from .value_databases import open_database, value_database_configs

CSV_HEADER = "ts,point,value_n,value_b,value_s,status\n"
ROLLUP_RE = re.compile(r"^([1-9][0-9]{0,5})(m|h|d)$")
ROLLUP_UNITS = {"m": 60, "h": 3600, "d": 86400}
MAX_BUCKET_SECONDS = 366 * 86400
DEFAULT_RANGE = timedelta(days=1)
FUNCTIONS = store.FUNCTIONS  # rollup functions (entry points name them from here)


class PointNotFound(ServiceError):
    """A requested point is not one of this simulator's (HTTP 404, like another org's)."""

    status = 404


@dataclass
class HistoryQuery:
    points: list  # [(catalogue Point, entity_id)] in the caller's order
    start: datetime
    end: datetime
    rollup: str | None
    bucket_seconds: int | None
    fn: str | None

    @property
    def entity_ids(self):
        return [entity_id for _, entity_id in self.points]


def parse_time(value, field):
    try:
        moment = datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise ServiceError({field: f"not an ISO 8601 timestamp: {value!r}"}) from None
    return moment.replace(tzinfo=dt_timezone.utc) if moment.tzinfo is None else moment


def parse_rollup(value):
    match = ROLLUP_RE.match(value or "")
    if not match:
        raise ServiceError({"rollup": "a bucket like 15m, 1h or 1d (minutes, hours or days)"})
    seconds = int(match.group(1)) * ROLLUP_UNITS[match.group(2)]
    if seconds > MAX_BUCKET_SECONDS:
        raise ServiceError({"rollup": "at most 366 days"})
    return seconds


def resolve_points(simulator, requested, wanted):
    """Points named by key or entity id (in the caller's order), else the filter's matches."""
    found = matching_points(simulator, wanted)
    if not requested:
        return found
    by_key = {p.key: (p, e) for p, e in found}
    by_id = {str(e): (p, e) for p, e in found}
    out, seen, missing = [], set(), []
    for name in requested:
        item = by_key.get(name) or by_id.get(name.strip())
        if item is None:
            missing.append(name)
        elif item[1] not in seen:
            seen.add(item[1])
            out.append(item)
    if missing:
        raise PointNotFound({"point": f"no point {', '.join(missing[:5])} on simulator"
                                      f" {simulator.poller_id}"})
    return out


def parse_query(simulator, params, now=None):
    """A validated HistoryQuery from query parameters (a QueryDict or {name: [values]})."""
    get = (lambda name: params.getlist(name)) if hasattr(params, "getlist") else (
        lambda name: list(params.get(name, [])))
    single = {}
    for name in ("start", "end", "rollup", "fn", "equip", "format"):
        values = get(name)
        if len(values) > 1:
            raise ServiceError({name: "give it once"})
        single[name] = values[0] if values else None
    end = parse_time(single["end"], "end") if single["end"] else (now or timezone.now())
    start = parse_time(single["start"], "start") if single["start"] else end - DEFAULT_RANGE
    if end <= start:
        raise ServiceError({"end": "must be after start"})
    bucket = parse_rollup(single["rollup"]) if single["rollup"] is not None else None
    fn = single["fn"]
    if fn is not None and fn not in FUNCTIONS:
        raise ServiceError({"fn": f"one of {', '.join(FUNCTIONS)}"})
    if bucket is None and fn is not None:
        raise ServiceError({"fn": "needs a rollup (e.g. rollup=1h)"})
    if bucket is not None and fn is None:
        fn = "avg"
    requested = [p for p in get("point") if p != ""]
    if len(requested) > settings.HSIM_HISTORY_MAX_POINTS:
        raise ServiceError({"point": f"at most {settings.HSIM_HISTORY_MAX_POINTS} points"})
    wanted = PointFilter(equip=single["equip"], tags=tuple(get("tag")), keys=tuple(get("key")))
    points = resolve_points(simulator, requested, wanted)
    if len(points) > settings.HSIM_HISTORY_MAX_POINTS:
        raise ServiceError({"point": f"{len(points)} points match; at most"
                                     f" {settings.HSIM_HISTORY_MAX_POINTS} per request"})
    query = HistoryQuery(points, start, end, single["rollup"], bucket, fn)
    check_size(simulator, query)
    return query


def finest_interval_seconds(simulator):
    """The shortest interval any configuration of the simulator generated at (an interval
    change keeps the older, maybe denser, rows)."""
    return min(spec.interval_minutes * 60 for _, _, spec in epochs(simulator))


def expected_rows(simulator, query):
    step = max(finest_interval_seconds(simulator), query.bucket_seconds or 0)
    intervals = math.ceil((query.end - query.start).total_seconds() / step)
    return len(query.points) * (intervals + (1 if query.bucket_seconds else 0))


def entity_rows(entity_ids, start, end):
    """Rows that points (entity ids, of any simulators) hold over [start, end): each point's
    intervals at its simulator's finest interval; an entity of no simulator counts as one per
    minute (the finest any spec generates). For readers that are not one simulator's (the
    Haystack API's hisRead), to bound the work before reading."""
    owners = dict(SimulatorEntity.objects.filter(entity_id__in=list(entity_ids))
                  .values_list("entity_id", "simulator_id"))
    steps = {simulator.poller_id: finest_interval_seconds(simulator)
             for simulator in Simulator.objects.filter(poller_id__in=set(owners.values()))}
    span = (end - start).total_seconds()
    return sum(math.ceil(span / steps.get(owners.get(entity_id), 60))
               for entity_id in entity_ids)


def check_size(simulator, query):
    rows = expected_rows(simulator, query)
    limit = settings.HSIM_HISTORY_MAX_ROWS
    if rows > limit:
        raise ServiceError({
            "detail": f"{rows} rows requested (points x intervals); at most {limit} per request:"
                      " shorten the range, name fewer points or use a coarser rollup",
            "end": f"the range holds {rows} rows for these points; at most {limit}",
        })


# --- reading and formatting ---------------------------------------------------------------

def read_chunks(simulator, query):
    """Chunks of (index, ts_us, value_n, value_b, value_s, status) from the primary."""
    primary = next(c for c in value_database_configs() if c["primary"])
    db = open_database(primary)
    try:
        if query.bucket_seconds:
            chunks = store.rollup_rows(db, simulator.org.key, query.entity_ids, query.start,
                                       query.end, query.bucket_seconds, query.fn,
                                       chunk_rows=store.CHUNK_ROWS)
        else:
            chunks = store.raw_rows(db, simulator.org.key, query.entity_ids, query.start,
                                    query.end, chunk_rows=store.CHUNK_ROWS)
        yield from chunks
    finally:
        db.close()


def iso_us(us):
    seconds, micros = divmod(int(us), 1_000_000)
    stamp = datetime.fromtimestamp(seconds, tz=dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{micros:06d}Z" if micros else f"{stamp}Z"


def iso(moment):
    return iso_us(round(moment.timestamp() * 1_000_000))


def _number(value):
    return None if value is None or math.isnan(value) or math.isinf(value) else value


class _Stamps(dict):
    """ISO text of µs timestamps, cached: many points share each timestamp."""

    def __missing__(self, us):
        if len(self) > 100_000:
            self.clear()
        text = self[us] = iso_us(us)
        return text


class _JsonTexts(dict):
    """JSON text of strings (statuses repeat endlessly), cached."""

    def __missing__(self, value):
        if len(self) > 10_000:
            self.clear()
        text = self[value] = json.dumps(value)
        return text


def json_chunks(simulator, query):
    """The JSON document, piece by piece."""
    head = {"start": iso(query.start), "end": iso(query.end), "rollup": query.rollup,
            "fn": query.fn}
    yield json.dumps(head)[:-1] + ', "series": ['
    stamps = _Stamps()
    dumps = json.dumps
    current = -1

    def open_series(index):
        point, entity_id = query.points[index]
        lead = "" if index == 0 else "]}, "
        return (f'{lead}{{"point": {dumps(point.key)}, "entity_id": {entity_id}, '
                f'"unit": {dumps(point.unit)}, "rows": [')

    flags = {None: "null", True: "true", False: "false"}
    texts = _JsonTexts()
    for chunk in read_chunks(simulator, query):
        parts = []
        for index, us, vn, vb, vs, status in chunk:
            first = index != current
            while current < index:
                current += 1
                parts.append(open_series(current))
            vn = _number(vn)
            # Formatted by hand (json.dumps per row costs more than the query): repr of a
            # finite float is valid JSON and what hsim_generate prints.
            row = (f'["{stamps[us]}", {"null" if vn is None else repr(vn)}, {flags[vb]},'
                   f' {texts[vs]}, {texts[status]}]')
            parts.append(row if first else ", " + row)
        yield "".join(parts)
    tail = []
    while current < len(query.points) - 1:
        current += 1
        tail.append(open_series(current))
    yield "".join(tail) + ("]}]}" if query.points else "]}")


def _csv_text(value):
    if value is None:
        return ""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_chunks(simulator, query):
    """CSV like hsim_generate's: ts,point,value_n,value_b,value_s,status."""
    yield CSV_HEADER
    stamps = _Stamps()
    keys = [_csv_text(point.key) for point, _ in query.points]
    flags = {None: "", True: "true", False: "false"}
    for chunk in read_chunks(simulator, query):
        lines = []
        for index, us, vn, vb, vs, status in chunk:
            vn = _number(vn)
            lines.append(f"{stamps[us]},{keys[index]},{'' if vn is None else repr(vn)},"
                         f"{flags[vb]},{_csv_text(vs)},{_csv_text(status)}\n")
        yield "".join(lines)
