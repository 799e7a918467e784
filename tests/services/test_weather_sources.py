"""Weather files named by a building spec come only from the HSIM_WEATHER_DIR folder (or the
packaged presets): a spec from the API cannot make the server read any other file."""

import shutil

import pytest
from django.test import override_settings

from simulator_app.engine import weather_files
from simulator_app.services.errors import ServiceError
from simulator_app.services.simulator_config import parse_building


def refused(building):
    with pytest.raises(ServiceError) as info:
        parse_building(building)
    return info.value.errors


def test_a_weather_file_is_read_from_the_configured_folder_only(tmp_path):
    folder = tmp_path / "weather"
    folder.mkdir()
    shutil.copy(weather_files.packaged_path("greensboro"), folder / "site.csv")
    (tmp_path / "secret.csv").write_text("password\n")
    with override_settings(HSIM_WEATHER_DIR=str(folder)):
        spec = parse_building({"weather": {"file": "site.csv"}})
        assert spec.weather.file == "site.csv"
        for name in ("../secret.csv", str(tmp_path / "secret.csv"), "/etc/passwd"):
            errors = refused({"weather": {"file": name}})
            assert "no path" in errors["building_config.weather.file"]
    with override_settings(HSIM_WEATHER_DIR=None):
        errors = refused({"weather": {"file": "site.csv"}})
        assert "HSIM_WEATHER_DIR is not set" in errors["building_config.weather.file"]
        assert parse_building({"weather": {"preset": "miami_tmy2"}}).weather.preset == "miami_tmy2"
