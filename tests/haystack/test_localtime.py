"""hisRead timestamps in the point's zone, across daylight-saving changes, equal what
zoneinfo says for every quarter hour of a year."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator_app.haystack.localtime import local_datetimes


@pytest.mark.parametrize("iana, name", [("America/New_York", "New_York"),
                                        ("Australia/Lord_Howe", "Lord_Howe"),
                                        ("Asia/Kolkata", "Kolkata"), ("UTC", "UTC")])
def test_every_quarter_hour_of_a_year_matches_zoneinfo(iana, name):
    zone = ZoneInfo(iana)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ts = np.arange(0, 365 * 96, dtype=np.int64) * 900_000_000 + int(start.timestamp() * 1e6)
    out = local_datetimes(ts, zone, name)
    assert len(out) == len(ts)
    for i in range(0, len(ts), 7):  # every 7th row: all hours and days of the week
        expected = (start + timedelta(microseconds=int(ts[i]) - int(ts[0]))).astimezone(zone)
        got = out[i].dt()
        # (instants and offsets: PEP 495 makes ambiguous wall times unequal across zones)
        assert got.timestamp() == expected.timestamp(), i
        assert got.utcoffset() == expected.utcoffset(), i
        assert got.replace(tzinfo=None) == expected.replace(tzinfo=None, fold=0), i
        assert out[i].tz_name == name
