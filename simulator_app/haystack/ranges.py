"""hisRead ranges (docHaystack Ops#hisRead), resolved in the point's own time zone.

    today | yesterday          that local day
    2026-02-02                 that local day
    2026-02-01,2026-02-03      local midnight of the first to the end of the last (inclusive)
    {dateTime},{dateTime}      exactly that span
    {dateTime}                 from then until now
Returns [start, end) as aware datetimes.
"""

from datetime import date, datetime, time, timedelta

import rusty_haystack as hs

MAX_DAYS = 3660  # ten years: a typo of a century is refused, not read


class BadRange(ValueError):
    pass


def resolve(text, zone, now):
    if not isinstance(text, str) or not text.strip():
        raise BadRange("hisRead needs a range (today, yesterday, a date, or a span)")
    text = text.strip()
    local_today = now.astimezone(zone).date()
    if text == "today":
        start, end = _day(local_today, zone), _day(local_today + timedelta(days=1), zone)
    elif text == "yesterday":
        start, end = _day(local_today - timedelta(days=1), zone), _day(local_today, zone)
    else:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) > 2:
            raise BadRange(f"range {text!r}: at most two values")
        first = _scalar(parts[0], zone)
        if len(parts) == 1:
            if isinstance(first, date) and not isinstance(first, datetime):
                start, end = _day(first, zone), _day(first + timedelta(days=1), zone)
            else:
                start, end = first, now
        else:
            last = _scalar(parts[1], zone)
            start = _day(first, zone) if _is_date(first) else first
            end = _day(last + timedelta(days=1), zone) if _is_date(last) else last
    if end <= start:
        raise BadRange(f"range {text!r} ends before it starts")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadRange(f"range {text!r} is longer than {MAX_DAYS} days")
    return start, end


def _is_date(value):
    return isinstance(value, date) and not isinstance(value, datetime)


def _day(day, zone):
    return datetime.combine(day, time(0), tzinfo=zone)


def _scalar(text, zone):
    try:
        value = hs.decode_scalar("text/zinc", text)
    except Exception as exc:
        raise BadRange(f"cannot read {text!r} as a date or dateTime") from exc
    if isinstance(value, hs.HDateTime):
        return value.dt()
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if _is_date(value):
        return value
    raise BadRange(f"{text!r} is neither a date nor a dateTime")
