"""Typical-year weather files: the file's values at its own times, repeated across years,
chunk invariance across the file's year boundary and DST, solar geometry against pvlib, and
bad files refused with the line that is wrong."""

import warnings
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pvlib
import pytest

from simulator_app.engine import SpecError, generate, parse_spec, weather_files
from simulator_app.engine.weather import from_file

from .conftest import CLEAN, utc

DATA = weather_files.packaged_path("greensboro").parent
TMY3 = DATA / "723170TYA.CSV"


def read_tmy3(path=TMY3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pvlib.iotools.read_tmy3(str(path), map_variables=True)


@pytest.fixture
def weather_dir(tmp_path):
    # Restore what was configured before (under Django: the HSIM_WEATHER_DIR setting), not
    # None, or later tests that set the setting find weather files switched off.
    previous = weather_files._DIRECTORY["path"]
    weather_files.configure(tmp_path)
    yield tmp_path
    weather_files.configure(previous)


def write_epw(path, data, meta):
    """An EnergyPlus weather file holding a TMY3 year (all 35 fields of each record)."""
    lines = [
        f"LOCATION,Greensboro,NC,USA,TMY3,{meta['USAF']},{meta['latitude']},"
        f"{meta['longitude']},{meta['TZ']},{meta['altitude']}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,hsim test", "COMMENTS 2,hsim test",
        "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    stamps = data["Date (MM/DD/YYYY)"].str.split("/", expand=True).astype(int)
    hours = data["Time (HH:MM)"].str.split(":", expand=True)[0].astype(int)
    for i, row in enumerate(data.itertuples()):
        fields = [1990, stamps.iloc[i, 0], stamps.iloc[i, 1], hours.iloc[i], 60, "?",
                  row.temp_air, row.temp_dew, row.relative_humidity, row.pressure * 100,
                  0, 0, 0, row.ghi, row.dni, row.dhi, 0, 0, 0, 0, 0, row.wind_speed,
                  5, 5, 20, 77777, 9, 999999999, 0, 0, 0, 88, 0.2, 0, 0]
        lines.append(",".join(str(f) for f in fields))
    path.write_text("\n".join(lines) + "\n")


def spec_with(weather, **extra):
    return parse_spec({"weather": weather, "data_quality": CLEAN, "faults": [], **extra})


def record_index(local_standard):
    """Row of a typical-year file for a local-standard hour-ending time (Feb 29 = Feb 28)."""
    doy = local_standard.timetuple().tm_yday - 1
    leap = local_standard.year % 4 == 0
    if leap and doy >= 59:
        doy = max(doy - 1, 58)
    return (doy * 24 + local_standard.hour - 1) % 8760


def test_it_gives_the_file_values_at_the_file_timestamps_after_the_time_zone_shift():
    data, meta = read_tmy3()
    spec = spec_with({"preset": "greensboro"})
    start = utc(2026, 7, 14)
    batch, _ = generate(spec, None, start, start + timedelta(days=2))
    col = {k: i for i, k in enumerate(batch.points)}
    std = timezone(timedelta(hours=meta["TZ"]))  # the file's local standard time (UTC-5)
    checked = 0
    for row, t in enumerate(batch.ts):
        local = datetime.fromtimestamp(int(t), std)
        if local.minute:
            continue
        rec = data.iloc[record_index(local)]
        v = batch.values[row]
        assert v[col["weather.air-temp"]] == pytest.approx(rec.temp_air * 1.8 + 32, abs=0.006)
        assert v[col["weather.air-dew-point"]] == pytest.approx(rec.temp_dew * 1.8 + 32,
                                                                abs=0.006)
        assert v[col["weather.air-humidity"]] == pytest.approx(rec.relative_humidity, abs=0.06)
        assert v[col["weather.solar-irradiance"]] == pytest.approx(rec.ghi, abs=0.06)
        assert v[col["weather.wind-speed"]] == pytest.approx(rec.wind_speed * 2.236936,
                                                             abs=0.06)
        assert v[col["weather.air-pressure"]] == pytest.approx(rec.pressure * 0.02953,
                                                               abs=0.006)
        checked += 1
    assert checked == 48
    # Between records the value is interpolated: half way at :30.
    year = weather_files.load(TMY3)
    t = int(datetime(2026, 7, 14, 12, 30, tzinfo=std).timestamp())
    i = record_index(datetime(2026, 7, 14, 12, 0, tzinfo=std))
    expected = (year.temp_f[i] + year.temp_f[i + 1]) / 2
    assert from_file(year, np.array([t])).oat[0] == pytest.approx(expected)


def test_the_typical_year_repeats_and_a_leap_day_replays_february_28():
    year = weather_files.load(TMY3)
    std = timezone(timedelta(hours=-5))
    at = lambda *a: from_file(year, np.array([int(datetime(*a, tzinfo=std).timestamp())]))  # noqa
    assert at(2026, 5, 3, 14).oat[0] == at(2031, 5, 3, 14).oat[0]
    assert at(2028, 2, 29, 9).oat[0] == at(2027, 2, 28, 9).oat[0]
    assert at(2028, 3, 1, 9).oat[0] == at(2027, 3, 1, 9).oat[0]
    assert at(2028, 12, 31, 23).oat[0] == at(2027, 12, 31, 23).oat[0]
    # Dec 31 24:00 is the file's last record; the next hour is its first.
    assert at(2027, 1, 1, 0).oat[0] == pytest.approx(year.temp_f[-1])
    assert at(2027, 1, 1, 1).oat[0] == pytest.approx(year.temp_f[0])


@pytest.mark.parametrize("preset, reader, column, scale", [
    ("sand_point", pvlib.iotools.read_tmy3, "temp_air", None),
    ("miami_tmy2", pvlib.iotools.read_tmy2, "DryBulb", 0.1),
])
def test_every_packaged_preset_replays_its_own_file(preset, reader, column, scale):
    spec = spec_with({"preset": preset})
    year = weather_files.load(weather_files.packaged_path(preset))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, meta = (reader(str(weather_files.packaged_path(preset)), map_variables=True)
                      if scale is None else reader(str(weather_files.packaged_path(preset))))
    celsius = data[column].to_numpy(float) * (scale or 1.0)
    assert year.utc_offset_s == meta["TZ"] * 3600
    std = timezone(timedelta(hours=meta["TZ"]))
    t = datetime(2026, 10, 2, 16, tzinfo=std)
    batch, _ = generate(spec, None, t.astimezone(timezone.utc), t + timedelta(minutes=15))
    temp = batch.values[0, batch.points.index("weather.air-temp")]
    assert temp == pytest.approx(celsius[record_index(t)] * 1.8 + 32, abs=0.006)


def test_an_epw_file_in_the_weather_folder_gives_the_same_year_as_its_tmy3(weather_dir):
    data, meta = read_tmy3()
    write_epw(weather_dir / "greensboro.epw", data, meta)
    epw = weather_files.load(weather_dir / "greensboro.epw")
    tmy3 = weather_files.load(TMY3)
    for name in ("temp_f", "dew_f", "rh", "wind_mph", "pressure_inhg", "ghi", "dni", "dhi"):
        np.testing.assert_allclose(getattr(epw, name), getattr(tmy3, name), atol=1e-9)
    assert (epw.latitude, epw.longitude, epw.utc_offset_s) == (36.1, -79.95, -5 * 3600)
    spec = spec_with({"file": "greensboro.epw"})
    batch, _ = generate(spec, None, utc(2026, 1, 5), utc(2026, 1, 6))
    assert np.isfinite(batch.values).all()


def test_facade_irradiance_matches_pvlib_solar_position_and_isotropic_transposition():
    year = weather_files.load(TMY3)
    ts = np.arange(int(utc(2026, 1, 1).timestamp()), int(utc(2027, 1, 1).timestamp()), 3600 * 7)
    w = from_file(year, ts)
    times = pd.DatetimeIndex(pd.to_datetime(ts, unit="s", utc=True))
    sun = pvlib.solarposition.get_solarposition(times, year.latitude, year.longitude)
    day = sun["apparent_zenith"].to_numpy() < 85
    assert day.sum() > 400
    for facade, azimuth in (("north", 0), ("east", 90), ("south", 180), ("west", 270)):
        ref = pvlib.irradiance.get_total_irradiance(
            90, azimuth, sun["apparent_zenith"], sun["azimuth"], w.dni, w.ghi, w.dhi,
            albedo=0.2, model="isotropic")["poa_global"].to_numpy()
        diff = np.abs(w.facade[facade] - ref)[day]
        assert diff.max() < 25.0, facade  # W/m²: within half a degree of the sun
        assert diff.mean() < 4.0, facade


def test_generation_is_chunk_invariant_across_the_file_year_boundary_and_dst():
    spec = parse_spec({"weather": {"preset": "greensboro"}})  # noise, stale, dropouts on
    for start, cuts, end in (
        (utc(2026, 12, 31, 12), [utc(2026, 12, 31, 23, 45), utc(2027, 1, 1, 5, 15)],
         utc(2027, 1, 1, 12)),
        (utc(2026, 3, 7, 12), [utc(2026, 3, 8, 6, 45), utc(2026, 3, 8, 7, 15)],
         utc(2026, 3, 9)),
    ):
        whole, whole_state = generate(spec, None, start, end)
        again, _ = generate(spec, None, start, end)
        state, parts = None, []
        for a, b in zip([start, *cuts], [*cuts, end]):
            part, state = generate(spec, state, a, b)
            parts.append(part)
        for name in ("values", "status", "present"):
            joined = np.concatenate([getattr(p, name) for p in parts])
            assert np.array_equal(getattr(whole, name), joined, equal_nan=name == "values")
            assert np.array_equal(getattr(whole, name), getattr(again, name),
                                  equal_nan=name == "values")
        assert state.to_dict() == whole_state.to_dict()


def refused(weather):
    with pytest.raises(SpecError) as info:
        parse_spec({"weather": weather})
    return {e["field"]: e["message"] for e in info.value.errors}


def tmy3_lines():
    return TMY3.read_text().splitlines()


def test_a_truncated_file_is_refused_naming_the_line(weather_dir):
    (weather_dir / "short.csv").write_text("\n".join(tmy3_lines()[:-100]) + "\n")
    errors = refused({"file": "short.csv"})
    assert errors["weather.file"] == ("short.csv: line 8663: the file ends after 8660 hourly "
                                      "records; a typical year has 8760")
    cut = "\n".join(tmy3_lines())[:-300]  # ends in the middle of a record
    assert len(cut.splitlines()[-1].split(",")) < 71
    message = refused({"file": "cut.csv"} if (weather_dir / "cut.csv").write_text(cut) else {})
    assert message["weather.file"] == (
        f"cut.csv: line {len(cut.splitlines())}: not a complete TMY3 record")


def test_a_bad_value_or_record_out_of_sequence_is_refused_naming_the_line(weather_dir):
    lines = tmy3_lines()
    fields = lines[101].split(",")
    fields[31] = "abc"  # dry bulb of the record on line 102
    (weather_dir / "bad.csv").write_text("\n".join([*lines[:101], ",".join(fields),
                                                    *lines[102:]]) + "\n")
    assert refused({"file": "bad.csv"})["weather.file"] == "bad.csv: line 102: dry bulb missing"
    fields = lines[4999].split(",")
    fields[31] = "75.0"
    (weather_dir / "hot.csv").write_text("\n".join([*lines[:4999], ",".join(fields),
                                                    *lines[5000:]]) + "\n")
    assert refused({"file": "hot.csv"})["weather.file"] == (
        "hot.csv: line 5000: dry bulb 75, outside -70..60")
    swapped = [*lines[:50], lines[51], lines[50], *lines[52:]]
    (weather_dir / "order.csv").write_text("\n".join(swapped) + "\n")
    assert refused({"file": "order.csv"})["weather.file"].startswith(
        "order.csv: line 51: record out of sequence")
    (weather_dir / "empty.epw").write_text("LOCATION,x\n")
    assert "line 2: the file ends inside its header" in refused(
        {"file": "empty.epw"})["weather.file"]


def test_a_spec_cannot_name_a_file_outside_the_weather_folder(weather_dir, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.csv"
    outside.write_text("\n".join(tmy3_lines()) + "\n")
    for name in (str(outside), "../elsewhere/secret.csv", "..", ".hidden.csv", "a/b.csv"):
        assert "no path" in refused({"file": name})["weather.file"], name
    assert "no weather file 'missing.csv'" in refused({"file": "missing.csv"})["weather.file"]
    assert "unknown weather file type" in refused(
        {"file": "notes.txt"} if (weather_dir / "notes.txt").write_text("x") else {})[
        "weather.file"]
    weather_files.configure(None)
    assert "not enabled" in refused({"file": "secret.csv"})["weather.file"]
    assert "weather.preset" in refused({"preset": "atlantis"})
    assert "not both" in refused({"preset": "greensboro", "file": "x.csv"})["weather"]


def test_a_weather_preset_sets_the_site_to_the_station_and_replays_its_file():
    from simulator_app.engine.presets import apply_preset, names

    spec = parse_spec(apply_preset({}, "sand_point"))
    assert spec.weather.preset == "sand_point"
    assert (spec.site.city, spec.site.time_zone) == ("Sand Point", "America/Anchorage")
    assert {"greensboro", "miami_tmy2", "new_york"} <= set(names())


def test_synthetic_new_york_weather_has_design_extremes_persistence_and_measured_solar():
    from simulator_app.engine import default_spec
    from simulator_app.engine.weather import synthetic

    spec = default_spec()  # New York normals
    ts = np.arange(int(utc(2026, 1, 1).timestamp()), int(utc(2027, 1, 1).timestamp()), 900)
    w = synthetic(spec, ts)
    assert abs(np.percentile(w.oat, 0.4) - 14.0) <= 3.0  # ASHRAE 99.6 % heating: 13-15 °F
    assert 1480 * 0.95 <= w.ghi.sum() * 0.25 / 1000 <= 1480 * 1.05  # kWh/m²·yr, NSRDB NYC
    daily = w.oat.reshape(-1, 96).mean(axis=1)
    anomaly = daily - np.convolve(daily, np.ones(31) / 31, "same")
    anomaly = anomaly[15:-15]
    assert 0.6 < np.corrcoef(anomaly[:-1], anomaly[1:])[0, 1] < 0.9  # persistence
    assert (np.abs(np.diff(daily)) > 8).sum() >= 8  # fronts: big day-to-day swings happen
    sun = w.ghi.reshape(-1, 96).sum(axis=1)
    overcast = sun < 0.35 * np.percentile(sun, 95)
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], overcast, [0]]))))[::2]
    assert overcast.sum() > 30 and runs.max() >= 3  # overcast spells of several days
    assert (w.dew_point <= w.oat).all() and (w.humidity <= 100.0001).all()
