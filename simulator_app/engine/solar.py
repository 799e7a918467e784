"""Solar geometry and the irradiance on vertical facades (pvlib's models are the reference).

Sun position: the NOAA/Spencer formulas (declination and equation of time from the day
angle), within about half a degree of the SPA for the years hsim simulates. Facades: the
isotropic-sky transposition (beam on the surface + half the sky diffuse + ground reflection at
albedo 0.2), the model pvlib.irradiance.get_total_irradiance(model="isotropic") computes.
"""

import numpy as np

ALBEDO = 0.2
# Outward normal of each facade as (east, north) components.
FACADES = {"north": (0.0, 1.0), "east": (1.0, 0.0), "south": (0.0, -1.0), "west": (-1.0, 0.0)}


def sun(ts, latitude, longitude):
    """(up, east, north): unit vector towards the sun in the local horizon frame, per ts."""
    ts = np.asarray(ts, dtype=np.float64)
    days = ts / 86400.0
    # Spencer's day angle is 0 at Jan 1 12:00 UTC: count tropical years from J2000.
    gamma = 2.0 * np.pi * np.mod(days - 10957.5, 365.2422) / 365.2422
    decl = (0.006918 - 0.399912 * np.cos(gamma) + 0.070257 * np.sin(gamma)
            - 0.006758 * np.cos(2 * gamma) + 0.000907 * np.sin(2 * gamma)
            - 0.002697 * np.cos(3 * gamma) + 0.00148 * np.sin(3 * gamma))
    eot_min = 229.18 * (0.000075 + 0.001868 * np.cos(gamma) - 0.032077 * np.sin(gamma)
                        - 0.014615 * np.cos(2 * gamma) - 0.040849 * np.sin(2 * gamma))
    utc_minutes = np.mod(ts, 86400.0) / 60.0
    solar_minutes = utc_minutes + 4.0 * longitude + eot_min
    hour_angle = np.radians(solar_minutes / 4.0 - 180.0)
    lat = np.radians(latitude)
    up = np.sin(lat) * np.sin(decl) + np.cos(lat) * np.cos(decl) * np.cos(hour_angle)
    north = np.cos(lat) * np.sin(decl) - np.sin(lat) * np.cos(decl) * np.cos(hour_angle)
    east = -np.cos(decl) * np.sin(hour_angle)
    return up, east, north


def facades(up, east, north, dni, dhi, ghi):
    """{orientation: W/m² on a vertical facade}; "core" sees nothing."""
    daylight = up > 0.0
    out = {}
    for name, (e, n) in FACADES.items():
        cos_incidence = np.maximum(e * east + n * north, 0.0)
        beam = np.where(daylight, dni * cos_incidence, 0.0)
        out[name] = beam + 0.5 * dhi + 0.5 * ALBEDO * ghi
    out["core"] = np.zeros_like(ghi)
    return out
