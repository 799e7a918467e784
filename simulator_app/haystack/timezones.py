"""Haystack time zone names (the city: `New_York`) to and from IANA zones."""

from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

# Where two IANA zones share a city name, the region listed first wins.
_REGIONS = ("America", "Europe", "Asia", "Australia", "Africa", "Pacific", "Atlantic",
            "Indian", "Antarctica", "Etc")


@lru_cache(maxsize=1)
def _by_city():
    table = {"UTC": "UTC"}
    for name in sorted(available_timezones(), key=_rank):
        city = name.rsplit("/", 1)[-1]
        table.setdefault(city, name)
    return table


def _rank(name):
    region = name.split("/", 1)[0]
    return (_REGIONS.index(region) if region in _REGIONS else len(_REGIONS), name)


def zone(haystack_name):
    """ZoneInfo of a Haystack tz name; UTC when the name is unknown or missing."""
    iana = _by_city().get(haystack_name or "UTC")
    return ZoneInfo(iana or "UTC")


def haystack_name(iana):
    return "UTC" if iana in ("UTC", "Etc/UTC") else iana.rsplit("/", 1)[-1]
