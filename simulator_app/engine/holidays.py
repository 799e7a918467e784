"""US office holidays by rule (with observed days for fixed dates) or by explicit ISO date."""

from datetime import date, timedelta


def _nth_weekday(year, month, weekday, n):
    """n-th (1-based) weekday (Mon=0) of a month; n=-1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day):
    """A fixed-date holiday on a weekend is taken on the nearest weekday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


RULES = {
    "new_years_day": lambda y: _observed(date(y, 1, 1)),
    "mlk_day": lambda y: _nth_weekday(y, 1, 0, 3),
    "presidents_day": lambda y: _nth_weekday(y, 2, 0, 3),
    "memorial_day": lambda y: _nth_weekday(y, 5, 0, -1),
    "juneteenth": lambda y: _observed(date(y, 6, 19)),
    "independence_day": lambda y: _observed(date(y, 7, 4)),
    "labor_day": lambda y: _nth_weekday(y, 9, 0, 1),
    "columbus_day": lambda y: _nth_weekday(y, 10, 0, 2),
    "veterans_day": lambda y: _observed(date(y, 11, 11)),
    "thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4),
    "day_after_thanksgiving": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=1),
    "christmas_eve": lambda y: date(y, 12, 24),
    "christmas": lambda y: _observed(date(y, 12, 25)),
}
KNOWN = tuple(sorted(RULES))


def check(item):
    """Raise ValueError unless `item` is a known rule name or an ISO date."""
    if item in RULES:
        return item
    try:
        date.fromisoformat(item)
    except ValueError:
        raise ValueError(
            f"{item!r} is neither an ISO date (YYYY-MM-DD) nor one of: {', '.join(KNOWN)}"
        ) from None
    return item


def dates(items, years):
    """The holiday dates that `items` (rule names or ISO dates) give in `years` (and the years
    either side: a Saturday New Year's Day is observed on Dec 31 of the year before, so a
    window that ends on that Dec 31 must see it as one that runs into January does)."""
    out = set()
    rule_years = sorted({y + d for y in years for d in (-1, 0, 1)})
    for item in items:
        if item in RULES:
            out.update(RULES[item](y) for y in rule_years)
        else:
            out.add(date.fromisoformat(item))
    return out
