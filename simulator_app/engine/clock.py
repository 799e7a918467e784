"""Time: epoch seconds in, aligned windows, and the site's local wall clock (with DST)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from . import holidays

DAY = 86400
_EPOCH_DATE = date(1970, 1, 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def epoch_seconds(value):
    """Epoch seconds (int) from an int/float or a timezone-aware datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{value.isoformat()} has no time zone; pass an aware datetime")
        if value.microsecond:
            raise ValueError(f"{value.isoformat()} is not on a whole second")
        return (value - _EPOCH) // timedelta(seconds=1)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise ValueError(f"{value!r} is not a whole number of epoch seconds or an aware datetime")


def window(start, end, interval_seconds):
    """(t0, t1) epoch seconds for [start, end); both must sit on the interval grid."""
    t0, t1 = epoch_seconds(start), epoch_seconds(end)
    for name, t in (("start", t0), ("end", t1)):
        if t % interval_seconds:
            raise ValueError(
                f"{name} {iso(t)} is not aligned to the {interval_seconds // 60}-minute interval"
            )
    if t1 < t0:
        raise ValueError(f"end {iso(t1)} is before start {iso(t0)}")
    return t0, t1


def iso(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=4096)
def _offset(tz_name, t):
    return int(datetime.fromtimestamp(t, ZoneInfo(tz_name)).utcoffset().total_seconds())


def utc_offsets(ts, tz_name):
    """Seconds to add to UTC for local time, per timestamp.

    Offsets are looked up once per UTC day; only a day whose offset changes (a DST switch) is
    resolved per quarter hour, the granularity of every real-world transition.
    """
    days = ts // DAY
    out = np.empty(len(ts), dtype=np.int64)
    for d in np.unique(days):
        sel = days == d
        first, last = _offset(tz_name, int(d) * DAY), _offset(tz_name, int(d) * DAY + DAY - 1)
        if first == last:
            out[sel] = first
        else:
            quarter = ts[sel] // 900 * 900
            out[sel] = [_offset(tz_name, int(q)) for q in quarter]
    return out


@dataclass
class LocalClock:
    day: np.ndarray  # int64 local calendar days since 1970-01-01
    minute: np.ndarray  # float64 local minute of the day
    weekday: np.ndarray  # int64, Monday = 0
    holiday: np.ndarray  # bool


def local_clock(ts, tz_name, holiday_items):
    local = ts + utc_offsets(ts, tz_name)
    day = local // DAY
    minute = (local - day * DAY) / 60.0
    return LocalClock(
        day=day,
        minute=minute,
        weekday=(day + 3) % 7,  # 1970-01-01 was a Thursday
        holiday=_holiday(day, holiday_items),
    )


def _holiday(day, holiday_items):
    """bool [T]: is the local day a holiday. The holidays of the window's years come from a
    memo (a tick asks for the same year's every 15 minutes); years between two of the window's
    that it has no day in add dates no day matches, so the result is the same."""
    if not len(day):
        return np.zeros(0, bool)
    first, last = (_EPOCH_DATE + timedelta(days=int(d)) for d in (day.min(), day.max()))
    days = _holiday_days(tuple(holiday_items), first.year, last.year)
    if len(day) > 4096:  # a long window: the sort-based test
        return np.isin(day, days)
    return (day[:, None] == days[None, :]).any(axis=1)


@lru_cache(maxsize=256)
def _holiday_days(items, first_year, last_year):
    found = holidays.dates(items, range(first_year, last_year + 1))
    days = np.array(sorted((h - _EPOCH_DATE).days for h in found), dtype=np.int64)
    days.flags.writeable = False
    return days
