"""Climate presets: a site location, time zone and outdoor-air normals a spec can name.

Normals are rounded values of the US (and one European) climate records for each city:
annual mean and half the July-January swing of the daily mean, mean daily range, dew point,
and the mean sky cover. They feed the synthetic weather; a fleet draws its buildings' climates
from this list so a portfolio spans heating- and cooling-dominated sites.

WEATHER_PRESETS are real typical years (the TMY files pvlib ships, weather_files.PACKAGED):
naming one sets the site to the file's station and replays its weather (`weather.preset`).
"""

from .weather_files import PACKAGED

PRESETS = {
    # name: (city, state, country, lat, lon, tz, climate normals)
    "new_york": ("New York", "NY", "US", 40.7128, -74.0060, "America/New_York",
                 dict(annual_mean_f=55.5, annual_amplitude_f=22.0, diurnal_amplitude_f=7.5,
                      dew_point_mean_f=41.0, dew_point_amplitude_f=22.0, cloudiness=0.6)),
    "chicago": ("Chicago", "IL", "US", 41.8781, -87.6298, "America/Chicago",
                dict(annual_mean_f=51.0, annual_amplitude_f=25.0, diurnal_amplitude_f=9.0,
                     dew_point_mean_f=38.0, dew_point_amplitude_f=25.0, cloudiness=0.62)),
    "minneapolis": ("Minneapolis", "MN", "US", 44.9778, -93.2650, "America/Chicago",
                    dict(annual_mean_f=46.0, annual_amplitude_f=30.0, diurnal_amplitude_f=10.0,
                         dew_point_mean_f=34.0, dew_point_amplitude_f=28.0, cloudiness=0.6)),
    "denver": ("Denver", "CO", "US", 39.7392, -104.9903, "America/Denver",
               dict(annual_mean_f=51.0, annual_amplitude_f=22.0, diurnal_amplitude_f=14.0,
                    dew_point_mean_f=28.0, dew_point_amplitude_f=16.0, cloudiness=0.5)),
    "atlanta": ("Atlanta", "GA", "US", 33.7490, -84.3880, "America/New_York",
                dict(annual_mean_f=63.0, annual_amplitude_f=18.0, diurnal_amplitude_f=10.0,
                     dew_point_mean_f=50.0, dew_point_amplitude_f=18.0, cloudiness=0.55)),
    "houston": ("Houston", "TX", "US", 29.7604, -95.3698, "America/Chicago",
                dict(annual_mean_f=70.0, annual_amplitude_f=15.0, diurnal_amplitude_f=9.0,
                     dew_point_mean_f=60.0, dew_point_amplitude_f=15.0, cloudiness=0.6)),
    "miami": ("Miami", "FL", "US", 25.7617, -80.1918, "America/New_York",
              dict(annual_mean_f=77.0, annual_amplitude_f=6.5, diurnal_amplitude_f=6.0,
                   dew_point_mean_f=66.0, dew_point_amplitude_f=8.0, cloudiness=0.55)),
    "phoenix": ("Phoenix", "AZ", "US", 33.4484, -112.0740, "America/Phoenix",
                dict(annual_mean_f=75.0, annual_amplitude_f=18.0, diurnal_amplitude_f=14.0,
                     dew_point_mean_f=35.0, dew_point_amplitude_f=15.0, cloudiness=0.25)),
    "los_angeles": ("Los Angeles", "CA", "US", 34.0522, -118.2437, "America/Los_Angeles",
                    dict(annual_mean_f=64.0, annual_amplitude_f=7.0, diurnal_amplitude_f=10.0,
                         dew_point_mean_f=50.0, dew_point_amplitude_f=8.0, cloudiness=0.4)),
    "seattle": ("Seattle", "WA", "US", 47.6062, -122.3321, "America/Los_Angeles",
                dict(annual_mean_f=53.0, annual_amplitude_f=12.0, diurnal_amplitude_f=8.0,
                     dew_point_mean_f=43.0, dew_point_amplitude_f=8.0, cloudiness=0.75)),
    "london": ("London", "", "GB", 51.5074, -0.1278, "Europe/London",
               dict(annual_mean_f=52.0, annual_amplitude_f=12.0, diurnal_amplitude_f=8.0,
                    dew_point_mean_f=44.0, dew_point_amplitude_f=9.0, cloudiness=0.72)),
}


WEATHER_PRESETS = {
    # name: (city, state, country, station lat, lon, tz) of the packaged typical years
    "greensboro": ("Greensboro", "NC", "US", 36.1, -79.95, "America/New_York"),
    "sand_point": ("Sand Point", "AK", "US", 55.317, -160.517, "America/Anchorage"),
    "miami_tmy2": ("Miami", "FL", "US", 25.8, -80.267, "America/New_York"),
}
assert set(WEATHER_PRESETS) == set(PACKAGED)


def names():
    """Every preset a spec or a fleet can name."""
    return sorted({*PRESETS, *WEATHER_PRESETS})


def apply_preset(spec_dict, name):
    """The spec (a dict) located at the preset's site with its climate normals, or, for a
    weather preset, with the typical-year file as its weather."""
    if name in WEATHER_PRESETS:
        city, state, country, lat, lon, tz = WEATHER_PRESETS[name]
        site = dict(spec_dict.get("site") or {})
        site.update(city=city, state=state, country=country, latitude=lat, longitude=lon,
                    time_zone=tz)
        return {**spec_dict, "site": site, "weather": {"preset": name, "file": None}}
    if name not in PRESETS:
        raise KeyError(name)
    city, state, country, lat, lon, tz, normals = PRESETS[name]
    site = dict(spec_dict.get("site") or {})
    site.update(city=city, state=state, country=country, latitude=lat, longitude=lon,
                time_zone=tz)
    climate = dict(spec_dict.get("climate") or {})
    climate.update(normals)
    return {**spec_dict, "site": site, "climate": climate}
