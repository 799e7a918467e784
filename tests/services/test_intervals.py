from datetime import datetime, timedelta, timezone

import pytest

from simulator_app.services.intervals import due_window, floor_to_interval

UTC = timezone.utc
Q = 900


def at(h, m, s=0):
    return datetime(2026, 1, 5, h, m, s, tzinfo=UTC)


def test_a_simulator_that_never_ran_owes_the_newest_boundary_only():
    w = due_window(None, at(10, 7, 30), Q, cap=96)
    assert (w.start, w.end, w.count, w.remaining) == (
        int(at(10, 0).timestamp()), int(at(10, 15).timestamp()), 1, 0)


def test_nothing_is_due_before_the_next_boundary():
    assert due_window(at(10, 0), at(10, 14, 59), Q, cap=96) is None


def test_the_boundary_itself_is_due():
    w = due_window(at(10, 0), at(10, 15), Q, cap=96)
    assert w.count == 1 and w.start == int(at(10, 15).timestamp())


def test_after_downtime_every_missing_interval_is_due_and_aligned():
    w = due_window(at(10, 0), at(13, 2), Q, cap=96)
    assert w.count == 12  # 10:15 ... 13:00
    assert w.start % Q == 0 and w.end % Q == 0
    assert w.end == int(at(13, 15).timestamp())


def test_the_cap_bounds_a_tick_and_counts_the_rest():
    last = at(10, 0)
    w = due_window(last, last + timedelta(days=3), Q, cap=96)
    assert (w.count, w.remaining) == (96, 3 * 96 - 96)


def test_after_an_interval_change_the_next_start_is_a_boundary_of_the_new_interval():
    w = due_window(at(10, 15), at(12, 30), 3600, cap=96)
    assert w.start == int(at(11, 0).timestamp()) and w.count == 2


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        due_window(None, datetime(2026, 1, 1), Q, cap=1)


def test_floor_to_interval():
    assert floor_to_interval(1000, 900) == 900
