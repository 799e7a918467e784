"""Engine tests need neither Django nor a database: shared specs and generated windows."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from simulator_app.engine import default_spec, generate, parse_spec

CLEAN = {"noise_scale": 0, "dropout_rate": 0, "stale_rate": 0, "drift_fraction": 0,
         "outage_rate": 0}


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


class Data:
    """A generated window with lookups by point key and local (New York) calendar helpers."""

    def __init__(self, batch, state=None):
        self.batch, self.state = batch, state
        self.index = {key: i for i, key in enumerate(batch.points)}
        self.ts = batch.ts

    def __call__(self, key):
        return self.batch.values[:, self.index[key]]

    def cols(self, suffix):
        return [k for k in self.batch.points if k.endswith(suffix)]

    def local(self):
        """(hour, weekday Mon=0, month) on New York wall clock."""
        from zoneinfo import ZoneInfo

        tz = ZoneInfo("America/New_York")
        stamps = [datetime.fromtimestamp(int(t), tz) for t in self.ts]
        return (np.array([s.hour for s in stamps]), np.array([s.weekday() for s in stamps]),
                np.array([s.month for s in stamps]))


def run(spec, start, end, warmup_days=3):
    """Generate [start, end) after a few days of warm-up, so zones carry realistic history."""
    _, state = generate(spec, None, start - timedelta(days=warmup_days), start)
    batch, state = generate(spec, state, start, end)
    return Data(batch, state)


@pytest.fixture(scope="session")
def spec():
    return default_spec()


@pytest.fixture(scope="session")
def clean_spec():
    """The default building with every data-quality effect off and no faults: true physics."""
    return parse_spec({"data_quality": CLEAN, "faults": []})


@pytest.fixture(scope="session")
def faulty_spec():
    """The default building's fault scenarios, without data-quality effects."""
    return parse_spec({"data_quality": CLEAN})


@pytest.fixture(scope="session")
def clean_year(clean_spec):
    batch, state = generate(clean_spec, None, utc(2026, 1, 1), utc(2027, 1, 1))
    return Data(batch, state)


@pytest.fixture(scope="session")
def noisy_month(spec):
    return run(spec, utc(2026, 3, 1), utc(2026, 4, 1))
