import json

import pytest

from simulator_app.engine import SpecError, default_spec, parse_spec, spec_json_schema


def fields(data):
    with pytest.raises(SpecError) as info:
        parse_spec(data)
    return {e["field"]: e["message"] for e in info.value.errors}


def test_default_spec_is_the_reference_tower():
    spec = default_spec()
    assert spec.site.floors == 12
    assert spec.site.area_ft2 == 150_000
    assert spec.site.time_zone == "America/New_York"
    assert (spec.equipment.chillers.count, spec.equipment.chillers.capacity_tons) == (2, 400)
    assert spec.equipment.ahu_count == 4
    assert len(spec.equipment.zone_orientations) == 4
    assert spec.interval_minutes == 15
    assert spec.faults, "the default building comes with labelled fault scenarios"


def test_spec_round_trips_through_json():
    spec = default_spec()
    again = parse_spec(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.to_dict() == spec.to_dict()


def test_empty_dict_means_the_default_building():
    assert parse_spec({}) == default_spec()


def test_unknown_keys_are_rejected_with_their_path():
    errors = fields({"site": {"flooors": 3}, "bogus": 1})
    assert errors["site.flooors"] == "unknown field"
    assert errors["bogus"] == "unknown field"


def test_negative_sizes_are_rejected():
    errors = fields({"site": {"area_ft2": -5}, "equipment": {"chillers": {"capacity_tons": 0}}})
    assert "site.area_ft2" in errors
    assert "equipment.chillers.capacity_tons" in errors


def test_interval_must_divide_a_day():
    assert "does not divide a day" in fields({"interval_minutes": 7})["interval_minutes"]
    assert parse_spec({"interval_minutes": 5}).interval_seconds == 300


def test_time_zone_must_exist():
    assert "unknown time zone" in fields({"site": {"time_zone": "Mars/Olympus"}})["site.time_zone"]


def test_heating_setpoint_must_be_below_cooling():
    errors = fields({"setpoints": {"occupied_heating_f": 74, "occupied_cooling_f": 72}})
    assert "setpoints.occupied_heating_f" in errors


def test_more_ahus_than_floors_is_rejected():
    assert "equipment.ahu_count" in fields({"site": {"floors": 2}, "equipment": {"ahu_count": 3}})


def test_schedule_end_must_follow_start():
    night_shift = {"schedule": {"weekday": {"start": "18:00", "end": "07:00"}}}
    assert "schedule.weekday" in fields(night_shift)


def test_unknown_holiday_names_are_rejected():
    assert "schedule.holidays.0" in fields({"schedule": {"holidays": ["festivus"]}})
    assert parse_spec({"schedule": {"holidays": ["2026-03-17", "mlk_day"]}})


def test_faults_must_target_existing_equipment_of_the_right_type():
    fault = {"type": "stuck_damper", "start": "2026-07-01T00:00:00Z"}
    unknown = fields({"faults": [{**fault, "equip": "vav-99-north"}]})["faults.0.equip"]
    assert "unknown equipment" in unknown
    assert "applies to vav" in fields({"faults": [{**fault, "equip": "ahu-1"}]})["faults.0.equip"]


def test_fault_times_need_a_time_zone_and_an_order():
    fault = {"type": "leaking_valve", "equip": "ahu-1"}
    assert "faults.0.start" in fields({"faults": [{**fault, "start": "2026-07-01T00:00:00"}]})
    errors = fields({"faults": [{**fault, "start": "2026-07-02T00:00:00Z",
                                 "end": "2026-07-01T00:00:00Z"}]})
    assert "faults.0" in errors


def test_sensor_bias_point_must_be_a_sensor_of_the_equipment():
    fault = {"type": "sensor_bias", "equip": "vav-01-north", "start": "2026-07-01T00:00:00Z"}
    assert "faults.0.point" in fields({"faults": [{**fault, "point": "damper"}]})


def test_faults_may_be_empty():
    assert parse_spec({"faults": []}).faults == []


def test_a_smaller_building_keeps_only_default_faults_that_still_apply():
    spec = parse_spec({"site": {"floors": 3}, "equipment": {"ahu_count": 1}})
    assert spec.faults
    assert all(f.equip in {"ahu-1", "chiller-1", "chiller-2", "boiler-1", "boiler-2"}
               or f.equip.startswith(("vav-01", "vav-02", "vav-03")) for f in spec.faults)


def test_errors_read_well_as_text():
    with pytest.raises(SpecError) as info:
        parse_spec({"interval_minutes": 7, "site": {"floors": 0}})
    text = str(info.value)
    assert text.startswith("invalid building spec:")
    assert "interval_minutes:" in text and "site.floors:" in text


def test_non_objects_are_rejected():
    with pytest.raises(SpecError):
        parse_spec(["not", "a", "spec"])


def test_json_schema_describes_every_section():
    schema = spec_json_schema()
    assert set(schema["properties"]) >= {
        "seed", "interval_minutes", "site", "climate", "schedule", "setpoints", "equipment",
        "data_quality", "faults",
    }
    assert schema["additionalProperties"] is False
    json.dumps(schema)
