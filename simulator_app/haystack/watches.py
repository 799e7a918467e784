"""watchSub / watchPoll / watchUnsub, held in the database (HaystackWatch).

A watch belongs to the user and org that opened it, lives for its lease after the last
subscribe or poll, and survives a restart of the web processes. A poll reports the watched
points whose current value changed since the last report (`refresh`: all of them).
"""

import secrets
from datetime import timedelta

import rusty_haystack as hs
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import HaystackWatch
from . import entities
from .codecs import grid_of
from .errors import OpError

MIN_LEASE, DEFAULT_LEASE, MAX_LEASE = 10, 60, 3600  # seconds
_UNIT_SECONDS = {None: 1, "": 1, "s": 1, "sec": 1, "ms": 0.001, "min": 60, "h": 3600,
                 "hr": 3600, "day": 86400}


def max_ids():
    return int(getattr(settings, "HSIM_HAYSTACK_WATCH_MAX_IDS", 2000))


def max_watches():
    return int(getattr(settings, "HSIM_HAYSTACK_MAX_WATCHES_PER_USER", 50))


def lease_seconds(value):
    if value is None:
        return DEFAULT_LEASE
    if not isinstance(value, hs.Number) or value.unit not in _UNIT_SECONDS:
        raise OpError(f"lease {value} is not a duration (e.g. 1min)")
    return int(min(MAX_LEASE, max(MIN_LEASE, value.val * _UNIT_SECONDS[value.unit])))


def _live(context, watch_id):
    watch = (HaystackWatch.objects.select_for_update()
             .filter(watch_id=watch_id, org_id=context.org.id, user=context.user,
                     expires_at__gt=timezone.now()).first())
    if watch is None:
        raise OpError(f"unknown or expired watch {watch_id}")
    return watch


def _ids_of(grid):
    if grid.col("id") is None:
        return []
    out = []
    for row in grid.rows():
        ref = row.get("id")
        text = ref.val if isinstance(ref, hs.Ref) else (ref if isinstance(ref, str) else "")
        text = text.lstrip("@")
        if text.isdigit():
            out.append(int(text))
        elif text:
            out.append(-1)  # reads as a null row, like read by an unknown id
    return out


def _meta(watch):
    return {"watchId": watch.watch_id, "lease": hs.Number(watch.lease_seconds, "s")}


def _rows(records, ids):
    rows = [hs.HDict(records.get(i, {})) for i in ids]
    return rows


def sub(context, grid):
    meta = grid.meta()
    ids = _ids_of(grid)
    now = timezone.now()
    # Read the values before the transaction: on SQLite the value database is the same file,
    # and its writer cannot open while this transaction holds the write lock.
    records = entities.load(context.org)
    with transaction.atomic():
        HaystackWatch.objects.filter(expires_at__lte=now).delete()
        watch_id = meta.get("watchId")
        if isinstance(watch_id, str) and watch_id:
            watch = _live(context, watch_id)
        else:
            if HaystackWatch.objects.filter(user=context.user).count() >= max_watches():
                raise OpError(f"at most {max_watches()} open watches per user")
            dis = meta.get("watchDis")
            watch = HaystackWatch(
                watch_id=secrets.token_hex(12), org_id=context.org.id, user=context.user,
                dis=dis if isinstance(dis, str) else "", lease_seconds=DEFAULT_LEASE,
            )
        if meta.get("lease") is not None or watch.pk is None:
            watch.lease_seconds = lease_seconds(meta.get("lease"))
        known = [i for i in ids if i in records]
        watched = list(dict.fromkeys(list(watch.entity_ids) + known))
        if len(watched) > max_ids():
            raise OpError(f"a watch holds at most {max_ids()} ids")
        watch.entity_ids = watched
        watch.sent = {**watch.sent, **{str(i): _stamp(records[i]) for i in known}}
        watch.expires_at = now + timedelta(seconds=watch.lease_seconds)
        watch.save()
    return grid_of(_rows(records, ids), meta=_meta(watch)) if ids else grid_of(
        [], meta=_meta(watch), columns=["id"])


def _stamp(record):
    """What identifies the current value a client has seen."""
    value = record.get("curVal")
    return f"{value}|{record.get('curStatus', '')}"


def poll(context, grid):
    meta = grid.meta()
    watch_id = meta.get("watchId")
    if not isinstance(watch_id, str):
        raise OpError("watchPoll needs watchId")
    records = entities.load(context.org)  # before the transaction (see sub)
    with transaction.atomic():
        watch = _live(context, watch_id)
        refresh = meta.has("refresh")
        changed = []
        for entity_id in watch.entity_ids:
            record = records.get(entity_id)
            if record is None:
                continue
            stamp = _stamp(record)
            if refresh or watch.sent.get(str(entity_id)) != stamp:
                changed.append(entity_id)
                watch.sent[str(entity_id)] = stamp
        watch.expires_at = timezone.now() + timedelta(seconds=watch.lease_seconds)
        watch.save(update_fields=["sent", "expires_at"])
    out = {"watchId": watch.watch_id}
    if not changed:
        return grid_of([], meta=out, columns=["id"])
    return grid_of(_rows(records, changed), meta=out)


def unsub(context, grid):
    meta = grid.meta()
    watch_id = meta.get("watchId")
    if not isinstance(watch_id, str):
        raise OpError("watchUnsub needs watchId")
    with transaction.atomic():
        watch = _live(context, watch_id)
        ids = _ids_of(grid)
        if meta.has("close") or not ids:
            watch.delete()
        else:
            watch.entity_ids = [i for i in watch.entity_ids if i not in set(ids)]
            for i in ids:
                watch.sent.pop(str(i), None)
            watch.save(update_fields=["entity_ids", "sent"])
    return grid_of([], columns=["empty"])
