"""Outdoor air as a smooth, deterministic function of absolute time.

Temperature = seasonal normal (one cosine over the tropical year, so no month edges)
+ multi-day weather systems (incommensurate sinusoids with seed-keyed phases, stronger in
winter) + a diurnal cycle peaking mid-afternoon solar time (damped by cloud) + small
mesoscale wiggles. Dew point follows the same air masses; humidity, wet bulb and solar
irradiance are derived from it, so every weather point agrees with the others.
"""

from dataclasses import dataclass

import numpy as np

from . import rng

YEAR_DAYS = 365.2422
_SYNOPTIC_DAYS = np.array([2.9, 4.3, 6.7, 10.1, 15.3])
_SYNOPTIC_WEIGHTS = np.array([0.5, 0.8, 1.0, 0.8, 0.5])
_SYNOPTIC_NORM = np.sqrt((_SYNOPTIC_WEIGHTS**2).sum() / 2.0)  # unit standard deviation
FACADES = {"north": (0.0, 1.0), "east": (1.0, 0.0), "south": (0.0, -1.0), "west": (-1.0, 0.0)}


@dataclass
class Weather:
    oat: np.ndarray  # °F dry bulb
    oat_daily: np.ndarray  # °F without the diurnal cycle: what plant lockouts look at
    normal: np.ndarray  # °F seasonal normal: what seasonal plant changeover looks at
    dew_point: np.ndarray  # °F
    humidity: np.ndarray  # %RH
    wet_bulb: np.ndarray  # °F
    ghi: np.ndarray  # W/m² global horizontal irradiance
    facade: dict  # orientation -> W/m² on a vertical facade (core: 0)


def _systems(seed, name, day):
    """Unit-variance multi-day signal: a sum of sinusoids with seed-keyed phases."""
    phases = 2 * np.pi * rng.scalar_uniforms(seed, rng.WEATHER, name, len(_SYNOPTIC_DAYS))
    arg = 2 * np.pi * day[:, None] / _SYNOPTIC_DAYS[None, :] + phases[None, :]
    return (np.sin(arg) * _SYNOPTIC_WEIGHTS).sum(axis=1) / _SYNOPTIC_NORM


def _f_to_c(f):
    return (f - 32.0) / 1.8


def _c_to_f(c):
    return c * 1.8 + 32.0


def weather(spec, ts):
    cl, site, seed = spec.climate, spec.site, spec.seed
    day = ts / 86400.0
    season = np.cos(2 * np.pi * (day - (cl.coldest_day_of_year - 1)) / YEAR_DAYS)  # 1 = coldest
    systems = _systems(seed, "temperature", day) * (1.0 + 0.3 * season)
    cloud = np.clip(cl.cloudiness + 0.3 * _systems(seed, "cloud", day), 0.0, 1.0)
    solar_hour = np.mod(day * 24.0 + site.longitude / 15.0, 24.0)
    wiggle_phase = 2 * np.pi * rng.scalar_uniforms(seed, rng.WEATHER, "wiggle", 2)
    wiggle = 0.6 * np.sin(2 * np.pi * day * 24 / 5.3 + wiggle_phase[0]) + 0.4 * np.sin(
        2 * np.pi * day * 24 / 2.3 + wiggle_phase[1]
    )
    normal = cl.annual_mean_f - cl.annual_amplitude_f * season
    oat_daily = normal + cl.synoptic_amplitude_f * systems
    afternoon = np.cos(2 * np.pi * (solar_hour - 15) / 24)  # warmest mid-afternoon, solar time
    diurnal = cl.diurnal_amplitude_f * (1.2 - 0.7 * cloud) * afternoon
    oat = oat_daily + diurnal + wiggle

    # Air masses carry their moisture: dew point follows the same weather systems.
    dew = (cl.dew_point_mean_f - cl.dew_point_amplitude_f * season
           + 0.9 * cl.synoptic_amplitude_f * systems + 2.0 * cloud)
    dew = np.minimum(dew, oat - 1.0)
    t_c, d_c = _f_to_c(oat), _f_to_c(dew)
    humidity = 100.0 * np.exp(17.625 * d_c / (243.04 + d_c) - 17.625 * t_c / (243.04 + t_c))
    wet_bulb = _c_to_f(_stull_wet_bulb(t_c, np.clip(humidity, 5.0, 99.0)))
    wet_bulb = np.clip(wet_bulb, dew, oat)

    ghi, facade = _sun(site.latitude, day, solar_hour, cloud)
    return Weather(oat, oat_daily, normal, dew, humidity, wet_bulb, ghi, facade)


def _stull_wet_bulb(t, rh):
    """Stull (2011) wet-bulb approximation, °C from °C and %RH."""
    return (t * np.arctan(0.151977 * np.sqrt(rh + 8.313659)) + np.arctan(t + rh)
            - np.arctan(rh - 1.676331) + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
            - 4.686035)


def _sun(latitude, day, solar_hour, cloud):
    lat = np.radians(latitude)
    decl = np.radians(23.44) * np.sin(2 * np.pi * (day - 80.0) / YEAR_DAYS)
    hour_angle = np.radians((solar_hour - 12.0) * 15.0)
    up = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    north = np.cos(lat) * np.sin(decl) - np.sin(lat) * np.cos(decl) * np.cos(hour_angle)
    east = -np.cos(decl) * np.sin(hour_angle)
    s = np.maximum(up, 0.01)
    clear = np.where(up > 0.0, 1098.0 * s * np.exp(-0.057 / s), 0.0)  # Haurwitz clear sky
    ghi = clear * (1.0 - 0.75 * cloud**3.4)  # Kasten-Czeplak cloud cover
    diffuse = ghi * (0.15 + 0.85 * cloud**2)
    beam = np.minimum((ghi - diffuse) / np.maximum(up, 0.05), 1000.0)
    facade = {
        o: beam * np.maximum(0.0, e * east + n * north) + 0.5 * diffuse + 0.1 * ghi
        for o, (e, n) in FACADES.items()
    }
    facade["core"] = np.zeros_like(ghi)
    return ghi, facade
