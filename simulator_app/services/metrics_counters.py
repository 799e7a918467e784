"""The activity log's counters for /metrics, kept incrementally so a scrape is bounded.

Summing the whole log on every scrape costs more with every tick ever run. Instead a
checkpoint -- the figures of every simulator up to one log id -- lives in the default cache
(shared by every web process, keyed by the project database); a scrape adds only the rows
after it, read by primary-key range, at most HSIM_METRICS_SCAN_ROWS of them (a longer backlog
-- a fresh checkpoint over a long log -- is caught up over the next scrapes).

The checkpoint only moves over rows settled for HSIM_METRICS_SETTLE_SECONDS: a row whose
transaction commits after rows with higher ids (ids are taken at insert) would otherwise be
stepped over. Settled is judged by the database's clock alone, never by a row's `created_at`
(the inserting worker's clock, which may run minutes behind or ahead of everyone else's): each
scrape notes the log's highest id with the database's time (`seen`, in the checkpoint), and the
checkpoint moves up to an id noted at least the settle time ago -- every row at or below it was
inserted before then, so its transaction has ended. Newer rows are added on every scrape but
not checkpointed. A checkpoint whose log went backwards (the row at its id now has another
creation time, or the highest id is below it: a truncated or restored log) is dropped and the
counters are rebuilt.
"""

import logging
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, Count, FloatField, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from ..models import ActivityLog
from .clock import database_now
from .metrics import RUN_EVENTS

log = logging.getLogger(__name__)

# Tick durations in seconds (a default-building tick takes ~0.07 s; a catch-up several).
DURATION_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# One simulator's figures, as a list in this order (compact in the cache).
FIELDS = ("runs", "rows", "intervals", "duration_sum", *(f"le{i}" for i in
          range(len(DURATION_BUCKETS))), "errors")
CACHE_TIMEOUT = 30 * 86400
SEEN_PER_SETTLE = 8  # at most this many unsettled `seen` notes (one per settle time / 8)
_local = {}  # the last checkpoint this process saw: used when the cache cannot be reached


def cache_key():
    return f"metrics:activity-checkpoint:{connection.settings_dict.get('NAME')}"


def _int(key):
    return Sum(Cast(KT(f"details__{key}"), BigIntegerField()))


def aggregate(logs):
    """{simulator_id: [FIELDS...]} of the rows of the `logs` queryset."""
    out = {}
    buckets = {f"le{i}": Count("id", filter=Q(duration_ms__lte=b * 1000))
               for i, b in enumerate(DURATION_BUCKETS)}
    ticks = (logs.filter(event_type__in=RUN_EVENTS, details__has_key="duration_ms")
             .exclude(details__has_key="backfill_job")
             .annotate(duration_ms=Cast(KT("details__duration_ms"), FloatField()))
             .values("simulator_id")
             .annotate(runs=Count("id"), rows=_int("rows"), intervals=_int("intervals"),
                       duration_sum=Sum("duration_ms"), **buckets))
    for r in ticks:
        out[r["simulator_id"]] = [r.get(f) or 0 for f in FIELDS[:-1]] + [0]
    errors = (logs.filter(event_type="error").values("simulator_id")
              .annotate(n=Count("id")).values_list("simulator_id", "n"))
    for sim_id, n in errors:
        out.setdefault(sim_id, [0] * len(FIELDS))[-1] = n
    return out


def add(into, figures):
    for sim_id, values in figures.items():
        have = into.get(sim_id)
        into[sim_id] = list(values) if have is None else [a + b for a, b in zip(have, values)]
    return into


def load_checkpoint():
    try:
        saved = cache.get(cache_key())
    except Exception as exc:  # no cache server: this process's own checkpoint
        log.warning("metrics checkpoint not read from the cache: %s", exc)
        saved = _local.get(cache_key())
    saved = saved or empty_checkpoint()
    if saved["id"] and not still_valid(saved):
        log.info("metrics: the activity log went back before checkpoint id %s; counting again",
                 saved["id"])
        saved = empty_checkpoint()
    saved.setdefault("seen", [])  # a checkpoint from before `seen`
    return saved


def empty_checkpoint():
    return {"id": 0, "created_at": None, "figures": {}, "seen": []}


def still_valid(saved):
    row = ActivityLog.objects.filter(id=saved["id"]).values_list("created_at", flat=True)
    if row:
        return row[0] == saved["created_at"]
    # The row itself was deleted (a deleted simulator's log): fine while the log goes on.
    top = ActivityLog.objects.aggregate(top=Max("id"))["top"]
    return top is not None and top >= saved["id"]


def save_checkpoint(saved):
    _local[cache_key()] = saved
    try:
        cache.set(cache_key(), saved, CACHE_TIMEOUT)
    except Exception as exc:
        log.warning("metrics checkpoint not written to the cache: %s", exc)


def log_figures():
    """{simulator_id: {field: value}} since the activity log began, from the checkpoint plus
    at most HSIM_METRICS_SCAN_ROWS newer rows. Rows settle by the database's clock, not the
    caller's."""
    saved = load_checkpoint()
    low = saved["id"]
    after = ActivityLog.objects.filter(id__gt=low)
    limit = max(1, settings.HSIM_METRICS_SCAN_ROWS)
    # The highest id this scrape reads: the limit-th after the checkpoint, or the last one.
    edge = list(after.order_by("id").values_list("id", flat=True)[limit - 1:limit])
    top = ActivityLog.objects.aggregate(top=Max("id"))["top"]
    high = edge[0] if edge else (top if top is not None and top > low else None)
    figures = {sim_id: list(values) for sim_id, values in saved["figures"].items()}
    if high is None:
        return as_dicts(figures)
    seen, ripe = note_seen(saved["seen"], top, database_now())
    settle_to = min(high, ripe) if ripe is not None and ripe > low else low
    scanned = after.filter(id__lte=high)
    settled = scanned.filter(id__lte=settle_to)
    last_settled = list(settled.order_by("-id").values_list("id", "created_at")[:1])
    if last_settled:
        add(figures, aggregate(settled))
        saved = {"id": last_settled[0][0], "created_at": last_settled[0][1],
                 "figures": {k: list(v) for k, v in figures.items()}}
    saved["seen"] = seen
    save_checkpoint(saved)
    if settle_to < high:
        add(figures, aggregate(scanned.filter(id__gt=settle_to)))  # settle_to >= low
    return as_dicts(figures)


def note_seen(seen, top, db_now):
    """(`seen` with the log's highest id noted now, the highest id noted at least
    HSIM_METRICS_SETTLE_SECONDS ago or None). `seen` holds [id, database epoch seconds] pairs,
    oldest first: the newest settled note and at most SEEN_PER_SETTLE + 1 unsettled ones."""
    settle = settings.HSIM_METRICS_SETTLE_SECONDS
    now = db_now.timestamp()
    seen = [[i, t] for i, t in seen if i <= top]  # a log that went back: notes past its end
    if not seen or (seen[-1][0] < top and now - seen[-1][1] >= settle / SEEN_PER_SETTLE):
        seen.append([top, now])
    ripe = [n for n in seen if now - n[1] >= settle]
    seen = ripe[-1:] + [n for n in seen if now - n[1] < settle]
    return seen, (ripe[-1][0] if ripe else None)


def as_dicts(figures):
    return {sim_id: dict(zip(FIELDS, values)) for sim_id, values in figures.items()}


def forget_checkpoint():
    """Drop the checkpoint (tests; a restored database): the next scrapes count again."""
    _local.pop(cache_key(), None)
    try:
        cache.delete(cache_key())
    except Exception as exc:
        log.warning("metrics checkpoint not deleted from the cache: %s", exc)
