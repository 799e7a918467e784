"""Typical-year weather files (EPW, TMY3, TMY2), read with pvlib and checked line by line.

A file holds 8,760 hourly records of one typical year in the site's local *standard* time
(hour-ending stamps: record 1 is Jan 1 01:00). The engine repeats that year across calendar
years: a timestamp maps to its position in the file's year (Feb 29 replays Feb 28), and the
value there is interpolated linearly between the two records around it (Dec 31 24:00 hands
over to Jan 1 01:00), so at a record's own time the engine gives the record's value exactly.

Where files come from: a spec names either a packaged preset (`weather.preset`, the real
TMY files pvlib ships) or a file name (`weather.file`) inside the one folder the host allows
(`configure(directory)`, set from the HSIM_WEATHER_DIR setting). A file name is a bare name,
never a path, so a spec cannot make the server read anything outside that folder.

Bad files are refused with a SpecError on `weather.file` / `weather.preset` that names the
line: a truncated year, a record out of sequence, a missing or implausible value.
"""

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

HOURS = 8760
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
FORMATS = {".epw": "epw", ".csv": "tmy3", ".tm2": "tmy2", ".tmy2": "tmy2"}
HEADER_LINES = {"epw": 8, "tmy3": 2, "tmy2": 1}
# Packaged typical years (pvlib's data folder): preset name -> (file, city, state, time zone).
PACKAGED = {
    "greensboro": ("723170TYA.CSV", "Greensboro", "NC", "America/New_York"),
    "sand_point": ("703165TY.csv", "Sand Point", "AK", "America/Anchorage"),
    "miami_tmy2": ("12839.tm2", "Miami", "FL", "America/New_York"),
}
# Plausible ranges per quantity (file units): outside them a record is refused.
RANGES = {
    "dry bulb": (-70.0, 60.0), "dew point": (-80.0, 40.0), "relative humidity": (0.0, 110.0),
    "pressure": (500.0, 1100.0), "wind speed": (0.0, 75.0),
    "GHI": (0.0, 1500.0), "DNI": (0.0, 1500.0), "DHI": (0.0, 1000.0),
}
_DIRECTORY = {"path": lambda: os.environ.get("HSIM_WEATHER_DIR") or None}


class WeatherFileError(ValueError):
    """A weather file that cannot be used; the message names the line where it can."""


def configure(directory):
    """The folder `weather.file` names are looked up in: a path, None (weather files off), or
    a callable returning either (the Django app hands over its HSIM_WEATHER_DIR setting)."""
    _DIRECTORY["path"] = directory if callable(directory) else (lambda: directory)


def directory():
    folder = _DIRECTORY["path"]()
    return str(folder) if folder else None


def packaged_path(preset):
    import pvlib

    return Path(pvlib.__file__).parent / "data" / PACKAGED[preset][0]


def resolve(source):
    """(path, field) of a spec's weather source; raises WeatherFileError with the field."""
    if source.preset is not None:
        return packaged_path(source.preset), "weather.preset"
    name = source.file
    if not NAME.match(name) or ".." in name:
        raise WeatherFileError("a weather file is named by its file name in the weather folder "
                               "(letters, digits, '_', '-', '.'; no path)")
    folder = directory()
    if folder is None:
        raise WeatherFileError("weather files are not enabled on this server "
                               "(HSIM_WEATHER_DIR is not set); use weather.preset")
    path = Path(folder) / name
    if not path.is_file():
        raise WeatherFileError(f"no weather file {name!r} in the weather folder")
    return path, "weather.file"


@dataclass(frozen=True)
class TypicalYear:
    """One typical year, record i at position i + 1 hours after Jan 1 00:00 standard time."""

    name: str
    latitude: float
    longitude: float
    utc_offset_s: int  # the file's standard time minus UTC
    temp_f: np.ndarray  # [8760] dry bulb
    dew_f: np.ndarray
    rh: np.ndarray  # %
    wind_mph: np.ndarray
    pressure_inhg: np.ndarray
    ghi: np.ndarray  # W/m²
    dni: np.ndarray
    dhi: np.ndarray
    daily_f: np.ndarray  # 24-hour centred mean dry bulb (plant lockouts look at it)
    normal_f: np.ndarray  # 31-day centred mean dry bulb (seasonal changeover)

    def at(self, ts, values):
        """`values` ([8760]) interpolated at epoch seconds `ts`."""
        pos = self.position(ts)
        j = np.floor(pos).astype(np.int64)
        frac = pos - j
        lo, hi = values[(j - 1) % HOURS], values[j % HOURS]
        return lo + (hi - lo) * frac

    def position(self, ts):
        """Hours since Jan 1 00:00 of the file's year for each timestamp, in [0, 8760)."""
        local = np.asarray(ts, dtype=np.int64) + self.utc_offset_s
        days = local // 86400
        dates = days.astype("datetime64[D]")
        years = dates.astype("datetime64[Y]")
        doy = (dates - years.astype("datetime64[D]")).astype(np.int64)  # 0 = Jan 1
        year = years.astype(np.int64) + 1970
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        doy = np.where(leap & (doy >= 59), np.maximum(doy - 1, 58), doy)  # Feb 29 = Feb 28
        return doy * 24.0 + (local - days * 86400) / 3600.0


def load(path):
    """The TypicalYear of a file (cached by path, size and modification time)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise WeatherFileError(f"cannot read {path.name}: {exc.strerror}") from None
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path, _size, _mtime):
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise WeatherFileError(f"{Path(path).name}: unknown weather file type; use .epw "
                               "(EnergyPlus), .csv (TMY3) or .tm2 (TMY2)")
    first = _scan(path, fmt)
    try:
        columns, meta = _read(path, fmt)
    except Exception as exc:  # pvlib/pandas refuse in many ways; the scan names the line
        raise WeatherFileError(f"{Path(path).name}: line {first}: cannot be read ({exc})") \
            from None
    return _typical_year(Path(path).name, fmt, columns, meta)


def _lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().splitlines()


def _scan(path, fmt):
    """Checks what pvlib does not: 8,760 records in hourly sequence, each complete. Returns
    the first data line's number."""
    name = Path(path).name
    lines = _lines(path)
    header = HEADER_LINES[fmt]
    if len(lines) < header:
        raise WeatherFileError(f"{name}: line {len(lines) + 1}: the file ends inside its header")
    width = len(lines[header - 1].split(",")) if fmt == "tmy3" else None
    expected = _hours()
    records = [line for line in lines[header:]]
    while records and not records[-1].strip():
        records.pop()
    for i, line in enumerate(records):
        number = header + i + 1
        if i >= HOURS:
            raise WeatherFileError(f"{name}: line {number}: more than {HOURS} hourly records")
        stamp = _stamp(fmt, line, width)
        if stamp is None:
            raise WeatherFileError(f"{name}: line {number}: not a complete {fmt.upper()} record")
        if stamp != expected[i]:
            month, day, hour = expected[i]
            raise WeatherFileError(
                f"{name}: line {number}: record out of sequence (expected month {month} "
                f"day {day} hour {hour})")
    if len(records) < HOURS:
        raise WeatherFileError(
            f"{name}: line {header + len(records) + 1}: the file ends after {len(records)} "
            f"hourly records; a typical year has {HOURS}")
    return header + 1


@lru_cache(maxsize=1)
def _hours():
    month_days = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return [(m + 1, d + 1, h + 1) for m, n in enumerate(month_days) for d in range(n)
            for h in range(24)]


def _stamp(fmt, line, width):
    """(month, day, hour-ending 1..24) of a record, or None when it is malformed."""
    try:
        if fmt == "epw":
            fields = line.split(",")
            if len(fields) < 22:
                return None
            return int(fields[1]), int(fields[2]), int(fields[3])
        if fmt == "tmy3":
            fields = line.split(",")
            if len(fields) != width:
                return None
            month, day, _ = fields[0].split("/")
            hour, minute = fields[1].split(":")
            return int(month), int(day), int(hour)
        if len(line.rstrip()) < 140:  # TMY2: fixed columns, 141-142 wide
            return None
        return int(line[3:5]), int(line[5:7]), int(line[7:9])
    except ValueError:
        return None


def _read(path, fmt):
    """{quantity: float array in file units}, metadata, through pvlib."""
    import warnings

    from pvlib import iotools

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "epw":
            data, meta = iotools.read_epw(path)
            cols = {"dry bulb": data["temp_air"], "dew point": data["temp_dew"],
                    "relative humidity": data["relative_humidity"],
                    "pressure": data["atmospheric_pressure"] / 100.0,
                    "wind speed": data["wind_speed"], "GHI": data["ghi"], "DNI": data["dni"],
                    "DHI": data["dhi"]}
            meta = {"name": meta.get("city", ""), "lat": meta["latitude"],
                    "lon": meta["longitude"], "tz": meta["TZ"]}
        elif fmt == "tmy3":
            data, meta = iotools.read_tmy3(path, map_variables=True)
            cols = {"dry bulb": data["temp_air"], "dew point": data["temp_dew"],
                    "relative humidity": data["relative_humidity"], "pressure": data["pressure"],
                    "wind speed": data["wind_speed"], "GHI": data["ghi"], "DNI": data["dni"],
                    "DHI": data["dhi"]}
            meta = {"name": str(meta.get("Name", "")).strip('"'), "lat": meta["latitude"],
                    "lon": meta["longitude"], "tz": meta["TZ"]}
        else:
            data, meta = iotools.read_tmy2(path)
            cols = {"dry bulb": data["DryBulb"] / 10.0, "dew point": data["DewPoint"] / 10.0,
                    "relative humidity": data["RHum"], "pressure": data["Pressure"],
                    "wind speed": data["Wspd"] / 10.0, "GHI": data["GHI"], "DNI": data["DNI"],
                    "DHI": data["DHI"]}
            meta = {"name": str(meta.get("City", "")).strip(), "lat": meta["latitude"],
                    "lon": meta["longitude"], "tz": meta["TZ"]}
    import pandas as pd

    cols = {k: pd.to_numeric(v, errors="coerce").to_numpy(np.float64) for k, v in cols.items()}
    return cols, meta


def _typical_year(name, fmt, cols, meta):
    header = HEADER_LINES[fmt]
    for quantity, values in cols.items():
        if len(values) != HOURS:
            raise WeatherFileError(f"{name}: line {header + min(len(values), HOURS) + 1}: "
                                   f"{len(values)} {quantity} values; a typical year has {HOURS}")
        lo, hi = RANGES[quantity]
        bad = np.flatnonzero(~((values >= lo) & (values <= hi)))
        if len(bad):
            i = int(bad[0])
            what = "missing" if np.isnan(values[i]) else f"{values[i]:g}, outside {lo:g}..{hi:g}"
            raise WeatherFileError(f"{name}: line {header + i + 1}: {quantity} {what}")
    try:
        lat, lon, tz = float(meta["lat"]), float(meta["lon"]), float(meta["tz"])
    except (TypeError, ValueError):
        raise WeatherFileError(f"{name}: line 1: no usable location or time zone") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and -12 <= tz <= 14):
        raise WeatherFileError(f"{name}: line 1: location or time zone out of range")
    temp_f = cols["dry bulb"] * 1.8 + 32.0
    dew_f = np.minimum(cols["dew point"], cols["dry bulb"]) * 1.8 + 32.0
    return TypicalYear(
        name=name, latitude=lat, longitude=lon, utc_offset_s=int(round(tz * 3600)),
        temp_f=temp_f, dew_f=dew_f, rh=np.clip(cols["relative humidity"], 0.0, 100.0),
        wind_mph=cols["wind speed"] * 2.236936, pressure_inhg=cols["pressure"] * 0.02953,
        ghi=cols["GHI"], dni=cols["DNI"], dhi=cols["DHI"],
        daily_f=_cyclic_mean(temp_f, 24), normal_f=_cyclic_mean(temp_f, 31 * 24),
    )


def _cyclic_mean(values, width):
    """Centred moving mean over `width` hours, wrapping around the typical year."""
    padded = np.concatenate([values[-width:], values, values[:width]])
    kernel = np.ones(width) / width
    smooth = np.convolve(padded, kernel, mode="same")
    return smooth[width:width + HOURS]
