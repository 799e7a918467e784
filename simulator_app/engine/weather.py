"""Outdoor air: a typical-year weather file when the spec names one, else synthetic weather.

Both are closed-form functions of absolute time (no state), so a window split anywhere sees
the same weather.

Synthetic weather (the default): a seasonal normal (one cosine over the tropical year) plus
weather systems that persist from day to day: each day draws an air-mass anomaly that is an
AR(1) series over days (a finite, hash-keyed sum of daily innovations, so any day is computed
directly), and the change from one day's air mass to the next happens as a front at a
seed-keyed hour and sharpness. Cold outbreaks reach further below normal than warm spells go
above it (winter design lows), the day's cloud cover has its own persistent series (overcast
spells, clear runs) with hourly breaks on partly cloudy days, and the diurnal range shrinks
under cloud. Dew point, wind and pressure follow the same air masses; humidity, wet bulb and
irradiance are derived from them, so every weather point agrees with the others.

With a file (weather_files.py): dry bulb, dew point, RH, wind, pressure and GHI/DNI/DHI come
from the file, interpolated to the interval; the facades see the file's beam and diffuse
light through the sun's geometry at the file's site (solar.py).
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import rng, solar, weather_files

YEAR_DAYS = 365.2422
AR_DAYS = 28  # innovations summed per day: phi**28 is negligible for phi <= 0.8
TEMP_PHI = 0.72  # day-to-day persistence of air-mass temperature anomalies
CLOUD_PHI = 0.55
COLD_SKEW = 0.15  # extra depth of cold outbreaks (per unit anomaly squared, below normal)
SEASON_SPREAD = 0.35  # weather systems are stronger in winter
FACADES = solar.FACADES


@dataclass
class Weather:
    oat: np.ndarray  # °F dry bulb
    oat_daily: np.ndarray  # °F without the diurnal cycle: what plant lockouts look at
    normal: np.ndarray  # °F seasonal normal: what seasonal plant changeover looks at
    dew_point: np.ndarray  # °F
    humidity: np.ndarray  # %RH
    wet_bulb: np.ndarray  # °F
    ghi: np.ndarray  # W/m² global horizontal irradiance
    dni: np.ndarray  # W/m² direct normal
    dhi: np.ndarray  # W/m² diffuse horizontal
    wind: np.ndarray  # mph
    pressure: np.ndarray  # inHg (station pressure)
    facade: dict  # orientation -> W/m² on a vertical facade (core: 0)


def weather(spec, ts):
    source = spec.weather
    if source.preset is not None or source.file is not None:
        path, _ = weather_files.resolve(source)
        return from_file(weather_files.load(path), ts)
    return synthetic(spec, ts)


def from_file(year, ts):
    at = lambda values: year.at(ts, values)  # noqa: E731
    oat, dew, rh = at(year.temp_f), at(year.dew_f), at(year.rh)
    dew = np.minimum(dew, oat)
    ghi, dni, dhi = at(year.ghi), at(year.dni), at(year.dhi)
    up, east, north = solar.sun(ts, year.latitude, year.longitude)
    t_c = _f_to_c(oat)
    wet_bulb = np.clip(_c_to_f(_stull_wet_bulb(t_c, np.clip(rh, 5.0, 99.0))), dew, oat)
    return Weather(oat, at(year.daily_f), at(year.normal_f), dew, rh, wet_bulb, ghi, dni, dhi,
                   at(year.wind_mph), at(year.pressure_inhg),
                   solar.facades(up, east, north, dni, dhi, ghi))


def _f_to_c(f):
    return (f - 32.0) / 1.8


def _c_to_f(c):
    return c * 1.8 + 32.0


def _daily_series(seed, name, days, phi):
    """Unit-variance AR(1) over days at the integer days `days` (sorted, unique). Read-only:
    consecutive days (every caller's span) are memoised, since a live tick asks for the same
    two or three days 96 times a day."""
    first, last = int(days[0]), int(days[-1])
    if len(days) == last - first + 1:
        return _consecutive_series(seed, name, first, last, phi)
    return _ar_series(seed, name, days, phi)


@lru_cache(maxsize=256)
def _consecutive_series(seed, name, first, last, phi):
    return _ar_series(seed, name, np.arange(first, last + 1, dtype=np.int64), phi)


def _ar_series(seed, name, days, phi):
    counters = np.arange(days[0] - AR_DAYS + 1, days[-1] + 1)
    z = rng.normal(rng.hashes(seed, rng.WEATHER, [rng.key_hash(name)], counters))[:, 0]
    out = np.zeros(len(days))
    offset = days - counters[0]
    scale = np.sqrt(1.0 - phi * phi)
    for j in range(AR_DAYS):  # a fixed order of additions: the same bits in any window
        out += (scale * phi**j) * z[offset - j]
    out.flags.writeable = False
    return out


def _day_uniforms(seed, name, days, n):
    """[len(days), n] uniforms per day."""
    counters = (days[:, None] * 4 + np.arange(n)[None, :]).ravel()
    u = rng.uniform(rng.hashes(seed, rng.WEATHER, [rng.key_hash(name)], counters))[:, 0]
    return u.reshape(len(days), n)


@lru_cache(maxsize=256)
def _consecutive_day_uniforms(seed, name, first, last, n):
    """_day_uniforms of the days first..last (a tick's one or two days), memoised, read-only."""
    u = _day_uniforms(seed, name, np.arange(first, last + 1), n)
    u.flags.writeable = False
    return u


def _fronts(seed, day):
    """(d, progress): the day index and how far each time is through that day's change of
    air mass (0 before the front passes, 1 after), a smoothstep at a seed-keyed hour."""
    d = np.floor(day).astype(np.int64)
    days = np.arange(d.min(), d.max() + 1) if len(d) else np.zeros(0, np.int64)
    u = _consecutive_day_uniforms(seed, "fronts", int(days[0]), int(days[-1]), 2) \
        if 0 < len(days) <= 3 else _day_uniforms(seed, "fronts", days, 2)
    width = 0.08 + 0.5 * u[:, 0]  # a sharp front passes in 2 h, a slow change over 14 h
    centre = width / 2 + (1.0 - width) * u[:, 1]
    i = d - days[0]
    x = np.clip((day - d - centre[i]) / width[i] + 0.5, 0.0, 1.0)
    return d, days, x * x * (3.0 - 2.0 * x)


def _through_day(values, d, days, progress):
    """A daily series carried through time: day d's value, changing to day d+1's."""
    i = d - days[0]
    return values[i] + (values[i + 1] - values[i]) * progress


def _hourly_breaks(seed, hours):
    """Cloud breaks: a hash-keyed value per hour in -1..1, linear in between."""
    h = np.floor(hours).astype(np.int64)
    u = 2.0 * rng.uniform(rng.hashes(seed, rng.WEATHER, [rng.key_hash("breaks")],
                                     np.concatenate([h, h + 1])))[:, 0] - 1.0
    n = len(h)
    return u[:n] + (u[n:] - u[:n]) * (hours - h)


def synthetic(spec, ts):
    cl, site, seed = spec.climate, spec.site, spec.seed
    day = ts / 86400.0
    if not len(ts):
        empty = np.zeros(0)
        return Weather(*([empty] * 11), facade={o: empty for o in (*FACADES, "core")})
    season = np.cos(2 * np.pi * (day - (cl.coldest_day_of_year - 1)) / YEAR_DAYS)  # 1 = coldest
    d, days, progress = _fronts(seed, day)
    span = np.arange(days[0], days[-1] + 2)  # one more day: the air mass a front brings
    air_days = _daily_series(seed, "temperature", span, TEMP_PHI)
    air = _through_day(air_days, d, span, progress)
    front = 4.0 * progress * (1.0 - progress) * np.abs(np.diff(air_days))[d - span[0]]
    moist = _through_day(_daily_series(seed, "moisture", span, 0.6), d, span, progress)
    windy = _through_day(_daily_series(seed, "wind", span, 0.5), d, span, progress)
    lows = _through_day(_daily_series(seed, "pressure", span, 0.7), d, span, progress)
    # Cold outbreaks go deeper than warm spells, more so in winter.
    anomaly = air - COLD_SKEW * (1.0 + 0.5 * season) * np.minimum(air, 0.0) ** 2
    anomaly = anomaly * cl.synoptic_amplitude_f * (1.0 + SEASON_SPREAD * season)

    mean_cloud = np.clip(cl.cloudiness, 0.05, 0.95)
    c = _daily_series(seed, "cloud", span, CLOUD_PHI)
    share = 1.0 / (1.0 + np.exp(-1.702 * c))  # ~ normal CDF: uniform over days
    daily_cloud = share ** (1.0 / mean_cloud - 1.0)  # mean = cloudiness; clear days common
    overcast = _through_day(daily_cloud, d, span, progress)
    cloud = np.clip(overcast + 1.2 * overcast * (1.0 - overcast) * _hourly_breaks(seed, day * 24.0),
                    0.0, 1.0)

    up, east, north = solar.sun(ts, site.latitude, site.longitude)
    solar_hour = np.mod(day * 24.0 + site.longitude / 15.0, 24.0)
    normal = cl.annual_mean_f - cl.annual_amplitude_f * season
    oat_daily = normal + anomaly
    afternoon = np.cos(2 * np.pi * (solar_hour - 15) / 24)  # warmest mid-afternoon, solar time
    diurnal = cl.diurnal_amplitude_f * (1.25 - 0.75 * cloud) * afternoon
    oat = oat_daily + diurnal

    # Air masses carry their moisture: dew point follows the same weather systems.
    dew = (cl.dew_point_mean_f - cl.dew_point_amplitude_f * season + 0.85 * anomaly
           + 2.5 * moist + 3.0 * (cloud - mean_cloud))
    # Under thick overcast it rains: the air is near saturation (cool, humid days).
    # (Rain sets in over hours, not with the front's leading edge: a linear blend over the day.)
    i = d - span[0]
    wet = daily_cloud[i] + (daily_cloud[i + 1] - daily_cloud[i]) * (day - d)
    rain = np.clip((wet - 0.72) / 0.25, 0.0, 1.0)
    dew = np.minimum(dew * (1.0 - rain) + (oat - 1.5) * rain, oat - 0.5)
    t_c, d_c = _f_to_c(oat), _f_to_c(dew)
    humidity = 100.0 * np.exp(17.625 * d_c / (243.04 + d_c) - 17.625 * t_c / (243.04 + t_c))
    wet_bulb = _c_to_f(_stull_wet_bulb(t_c, np.clip(humidity, 5.0, 99.0)))
    wet_bulb = np.clip(wet_bulb, dew, oat)

    s = np.maximum(up, 0.01)
    clear = np.where(up > 0.0, 1098.0 * s * np.exp(-0.057 / s), 0.0)  # Haurwitz clear sky
    ghi = clear * (1.0 - 0.75 * cloud**3.0)  # Kasten-Czeplak cloud cover (exponent fit to NY totals)
    dhi = ghi * (0.15 + 0.85 * cloud**2)
    dni = np.where(up > 0.0, np.minimum((ghi - dhi) / np.maximum(up, 0.05), 1000.0), 0.0)
    wind = np.maximum(0.0, 9.0 + 2.0 * season + 3.5 * windy + 2.0 * afternoon
                      + 5.0 * front)  # gusty while a front passes
    pressure = 29.95 + 0.2 * lows - 0.15 * (cloud - mean_cloud)
    return Weather(oat, oat_daily, normal, dew, humidity, wet_bulb, ghi, dni, dhi, wind,
                   pressure, solar.facades(up, east, north, dni, dhi, ghi))


def _stull_wet_bulb(t, rh):
    """Stull (2011) wet-bulb approximation, °C from °C and %RH."""
    return (t * np.arctan(0.151977 * np.sqrt(rh + 8.313659)) + np.arctan(t + rh)
            - np.arctan(rh - 1.676331) + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
            - 4.686035)
