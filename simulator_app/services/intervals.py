"""Interval arithmetic: which aligned timestamps a tick owes."""

from dataclasses import dataclass
from datetime import datetime, timezone


def to_epoch(dt):
    if isinstance(dt, (int, float)):
        return int(dt)
    if dt.tzinfo is None:
        raise ValueError("naive datetime: hsim works in UTC, pass an aware datetime")
    return int(dt.timestamp())


def from_epoch(seconds):
    return datetime.fromtimestamp(int(seconds), tz=timezone.utc)


def floor_to_interval(epoch, interval_seconds):
    return epoch - epoch % interval_seconds


def ceil_to_interval(epoch, interval_seconds):
    return -(-epoch // interval_seconds) * interval_seconds


@dataclass(frozen=True)
class Window:
    """Intervals [start, end) (epoch seconds), plus how many more are due after `end`."""

    start: int
    end: int
    remaining: int
    interval_seconds: int
    skipped: int = 0  # intervals before `start` left out: older than the history horizon

    @property
    def count(self):
        return (self.end - self.start) // self.interval_seconds


def due_window(last_ts, now, interval_seconds, cap, earliest=None):
    """The intervals due at `now` after the last generated timestamp `last_ts`.

    Timestamps are aligned to multiples of the interval since the epoch; the newest one due is
    the newest boundary not in the future. A simulator that never ran owes just that one.
    Returns None when nothing is due; at most `cap` intervals, the rest counted in `remaining`.
    Nothing before `earliest` (the history horizon) is due: a catch-up after a long stop
    starts at the first boundary at or after it, the intervals left out counted in `skipped`.
    """
    newest = floor_to_interval(to_epoch(now), interval_seconds)
    if last_ts is None:
        start = newest
    else:
        # The next boundary strictly after the last timestamp: after an interval change the
        # last one may sit between two of the new boundaries.
        start = floor_to_interval(to_epoch(last_ts), interval_seconds) + interval_seconds
    if start > newest:
        return None
    skipped = 0
    if earliest is not None:
        floor = min(ceil_to_interval(to_epoch(earliest), interval_seconds), newest)
        if start < floor:
            skipped, start = (floor - start) // interval_seconds, floor
    due = (newest - start) // interval_seconds + 1
    take = min(due, cap)
    return Window(start, start + take * interval_seconds, due - take, interval_seconds, skipped)
