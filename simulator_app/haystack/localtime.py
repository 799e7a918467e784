"""UTC timestamps (µs) to Haystack DateTimes in a zone, for the tens of thousands of rows of a
hisRead: the zone's offset is looked up once per hour of the span (and bisected to the
minute where it changes), the wall-clock fields computed with numpy."""

from datetime import datetime, timezone

import numpy as np
import rusty_haystack as hs

HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000


def _offset_us(zone, us):
    moment = datetime.fromtimestamp(us / 1e6, tz=timezone.utc)
    return int(moment.astimezone(zone).utcoffset().total_seconds()) * 1_000_000


def offsets(ts, zone):
    """The zone's UTC offset (µs) at each timestamp of the sorted array `ts`."""
    if len(ts) == 0:
        return np.zeros(0, np.int64)
    first = int(ts.min()) // HOUR_US * HOUR_US
    hours = np.arange(first, int(ts.max()) + HOUR_US, HOUR_US, dtype=np.int64)
    hourly = np.array([_offset_us(zone, int(h)) for h in hours], dtype=np.int64)
    # a transition between two hourly samples: find its minute, then split that hour there
    starts, values = [int(hours[0])], [int(hourly[0])]
    for i in np.nonzero(np.diff(hourly))[0].tolist():
        lo, hi = int(hours[i]) // MINUTE_US, int(hours[i + 1]) // MINUTE_US
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset_us(zone, mid * MINUTE_US) == hourly[i]:
                lo = mid
            else:
                hi = mid
        starts.append(hi * MINUTE_US)
        values.append(int(hourly[i + 1]))
    index = np.searchsorted(np.asarray(starts, np.int64), ts, side="right") - 1
    return np.asarray(values, np.int64)[index]


def local_datetimes(ts, zone, tz_name):
    ts = np.asarray(ts, dtype=np.int64)
    offset = offsets(ts, zone)
    local = (ts + offset).astype("datetime64[us]")
    days = local.astype("datetime64[D]")
    months = local.astype("datetime64[M]")
    years = local.astype("datetime64[Y]")
    seconds = ((local - days) // np.timedelta64(1, "s")).astype(np.int64)
    fields = zip(
        (years.astype(np.int64) + 1970).tolist(),
        ((months - years).astype(np.int64) + 1).tolist(),
        ((days - months).astype(np.int64) + 1).tolist(),
        (seconds // 3600).tolist(), (seconds // 60 % 60).tolist(), (seconds % 60).tolist(),
        (offset // 1_000_000).tolist(),
    )
    return [hs.HDateTime(y, mo, d, h, mi, s, off, tz_name) for y, mo, d, h, mi, s, off in fields]
