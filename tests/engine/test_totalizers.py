import numpy as np
import pytest

from simulator_app.engine import generate

from .conftest import utc

PAIRS = [  # totalizer, the rate it integrates, rate unit per second -> total unit, resolution
    ("elec-meter.energy", "elec-meter.power", 1 / 3600, 0.01),
    ("lighting-meter.energy", "lighting-meter.power", 1 / 3600, 0.01),
    ("plug-meter.energy", "plug-meter.power", 1 / 3600, 0.01),
    ("chiller-1.energy", "chiller-1.power", 1 / 3600, 0.01),
    ("chiller-2.energy", "chiller-2.power", 1 / 3600, 0.01),
    ("gas-meter.volume", "gas-meter.flow", 1 / 3600, 0.1),
    ("water-meter.volume", "water-meter.flow", 1 / 60, 0.1),
]


def test_totalizers_never_go_backwards(clean_year, noisy_month):
    for data in (clean_year, noisy_month):
        for total, *_ in PAIRS:
            values = data(total)
            values = values[~np.isnan(values)]
            assert np.all(np.diff(values) >= 0), total


@pytest.mark.parametrize("total, rate, per_second, resolution", PAIRS)
def test_each_step_is_the_trapezoid_integral_of_its_rate(clean_year, total, rate, per_second,
                                                         resolution):
    e, p = clean_year(total), clean_year(rate)
    expected = (p[:-1] + p[1:]) / 2 * 900 * per_second
    # Rates are rounded to the meter's resolution and the register to 3 decimals; the
    # register integrates the exact rate.
    rounding = resolution / 2 * 900 * per_second + 0.001
    assert np.abs(np.diff(e) - expected).max() <= rounding * 1.0001


def test_noisy_meters_still_integrate_what_they_report(noisy_month):
    """Where two consecutive rows are fresh, the increment agrees with the reported rates
    within the meter's noise (about 1 %)."""
    b = noisy_month.batch
    for total, rate, per_second, resolution in PAIRS:
        i, j = b.points.index(rate), b.points.index(total)
        fresh = b.present[:, i] & (b.status[:, i] == 0) & b.present[:, j]
        both = fresh[1:] & fresh[:-1]
        p, e = b.values[:, i], b.values[:, j]
        expected = ((p[:-1] + p[1:]) / 2 * 900 * per_second)[both]
        error = np.abs(np.diff(e)[both] - expected)
        bound = 0.05 * expected + resolution * 900 * per_second
        assert np.mean(error <= bound) > 0.99, total


def test_running_totals_live_in_the_state_at_full_precision(clean_spec):
    # A Monday and Tuesday in February: the boilers burn gas (a mild Sunday may need none).
    first, state = generate(clean_spec, None, utc(2026, 2, 2), utc(2026, 2, 3))
    i = first.points.index("gas-meter.volume")
    exact = state.totalizers["gas-meter.volume"]
    assert round(exact, 3) == first.values[-1, i]  # the reading shows 3 decimals ...
    assert exact != round(exact, 3)  # ... the state keeps every digit
    second, _ = generate(clean_spec, state, utc(2026, 2, 3), utc(2026, 2, 4))
    assert second.values[0, i] >= first.values[-1, i]
    assert second.values[0, i] > 0


def test_rates_feeding_totalizers_are_never_negative(clean_year, noisy_month):
    for data in (clean_year, noisy_month):
        for _, rate, *_ in PAIRS:
            assert np.nanmin(data(rate)) >= 0, rate


def test_a_fresh_state_starts_its_registers_at_zero(clean_spec):
    batch, _ = generate(clean_spec, None, utc(2026, 2, 1), utc(2026, 2, 1, 1))
    assert batch.values[0, batch.points.index("elec-meter.energy")] == 0.0
