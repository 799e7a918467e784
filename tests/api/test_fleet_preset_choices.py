"""Every entry point that takes fleet presets offers the same list -- the engine's, weather
-file presets (greensboro, sand_point, miami_tmy2) included -- from one place."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from simulator_app.admin_fleets import FleetForm
from simulator_app.api.serializers.fleets import FleetCreateSerializer
from simulator_app.engine import presets
from simulator_app.models import Fleet

from .conftest import SMALL_BUILDING

WEATHER = {"greensboro", "sand_point", "miami_tmy2"}


def test_the_api_admin_and_command_offer_every_preset_the_engine_accepts(api):
    engine_names = set(presets.names())
    assert WEATHER <= engine_names
    api_choices = set(FleetCreateSerializer().fields["presets"].child.choices)
    admin_choices = {value for value, _ in FleetForm().fields["presets"].choices}
    assert api_choices == admin_choices == engine_names
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert set(schema["components"]["schemas"]["PresetsEnum"]["enum"]) == engine_names


def test_the_api_accepts_a_weather_file_preset(api, org):
    response = api.post("/api/fleets/", {"org_id": org.id, "name": "Tmy", "size": 2,
                                         "template": SMALL_BUILDING,
                                         "presets": ["sand_point", "miami_tmy2"]},
                        format="json")
    assert response.status_code == 202, response.content
    assert Fleet.objects.get(name="Tmy").presets == ["sand_point", "miami_tmy2"]


def test_the_command_accepts_a_weather_file_preset_and_refuses_an_unknown_one(org):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("hsim_fleet", "create", "--org", org.key, "--name", "X", "--size", "1",
                     "--preset", "atlantis")
    call_command("hsim_fleet", "create", "--org", org.key, "--name", "G", "--size", "1",
                 "--preset", "greensboro")
    assert Fleet.objects.get(name="G").presets == ["greensboro"]
