"""The building description: validated, with field-level errors, a JSON Schema and defaults.

The defaults are the reference "Downtown Office Tower" (12 floors, 150,000 ft², New York) made
physically whole: a chilled-water plant with a cooling tower, a hot-water boiler plant, lighting
and plug loads on submeters, and a site weather station. Imperial units throughout.
"""

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .holidays import check as check_holiday
from .layout import ORIENTATIONS
from .scenarios import DEFAULT_FAULTS, DEFAULT_HOLIDAYS
from .weather_files import PACKAGED


class _Model(BaseModel):
    # Numbers are finite (an inf or nan would pass a bound check, then break every tick).
    # Immutable: every variant is a model_copy, so compile_spec may cache a spec by identity
    # (assigning a field raises; the lists inside, e.g. faults, are not to be changed either).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Site(_Model):
    name: str = Field("Downtown Office Tower", min_length=1)
    area_ft2: float = Field(150_000, gt=0, description="gross floor area")
    floors: int = Field(12, ge=1, le=200)
    time_zone: str = Field("America/New_York", description="IANA time zone name")
    latitude: float = Field(40.7128, ge=-90, le=90)
    longitude: float = Field(-74.0060, ge=-180, le=180)
    address: str = "100 Main Street"
    city: str = "New York"
    state: str = "NY"
    country: str = Field("US", min_length=2, max_length=2)
    year_built: int = Field(2018, ge=1800, le=2100)
    primary_function: str = "Office"

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value


class Climate(_Model):
    """Seasonal normals and variability of the site's outdoor air."""

    annual_mean_f: float = Field(55.5, ge=-40, le=110)
    annual_amplitude_f: float = Field(22.0, ge=0, le=60, description="half the Jul-Jan swing")
    coldest_day_of_year: int = Field(20, ge=1, le=366)
    diurnal_amplitude_f: float = Field(7.5, ge=0, le=30)
    synoptic_amplitude_f: float = Field(5.5, ge=0, le=30, description="multi-day weather systems")
    dew_point_mean_f: float = Field(41.0, ge=-40, le=90)
    dew_point_amplitude_f: float = Field(22.0, ge=0, le=60)
    cloudiness: float = Field(0.6, ge=0, le=1, description="mean sky cover")


class WeatherSource(_Model):
    """A typical-year weather file instead of the synthetic weather (both null: synthetic)."""

    preset: Literal[tuple(PACKAGED)] | None = Field(
        None, description="a packaged typical year: " + ", ".join(PACKAGED))
    file: str | None = Field(
        None, min_length=1, max_length=128,
        description="file name (EPW .epw, TMY3 .csv, TMY2 .tm2) in the server's weather folder")

    @model_validator(mode="after")
    def _one(self):
        if self.preset is not None and self.file is not None:
            raise ValueError("name a preset or a file, not both")
        return self


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def minutes(hhmm):
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


class Hours(_Model):
    start: str = "07:00"
    end: str = "18:00"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value):
        if not _HHMM.match(value):
            raise ValueError(f"{value!r} is not a time of day HH:MM")
        return value

    @model_validator(mode="after")
    def _ordered(self):
        if minutes(self.end) <= minutes(self.start):
            raise ValueError("end must be after start")
        return self


class Schedule(_Model):
    weekday: Hours = Hours()
    saturday: Hours | None = None
    sunday: Hours | None = None
    hvac_lead_minutes: int = Field(60, ge=0, le=360, description="HVAC starts before people")
    hvac_lag_minutes: int = Field(60, ge=0, le=360)
    holidays: list[Annotated[str, AfterValidator(check_holiday)]] = Field(
        default_factory=lambda: list(DEFAULT_HOLIDAYS),
        description="rule names (e.g. thanksgiving) or ISO dates",
    )
    peak_occupancy: float = Field(0.9, gt=0, le=1)
    people_per_1000_ft2: float = Field(5.0, ge=0, le=100)


class Setpoints(_Model):
    occupied_cooling_f: float = Field(72, ge=60, le=90)
    occupied_heating_f: float = Field(70, ge=50, le=85)
    unoccupied_cooling_f: float = Field(78, ge=60, le=95)
    unoccupied_heating_f: float = Field(65, ge=40, le=85)
    supply_air_f: float = Field(55, ge=45, le=65)
    supply_air_max_f: float = Field(60, ge=45, le=70, description="reset value at cold weather")
    warmup_supply_air_f: float = Field(90, ge=70, le=120)
    chilled_water_f: float = Field(44, ge=36, le=55)
    chilled_water_max_f: float = Field(48, ge=36, le=60)
    hot_water_f: float = Field(180, ge=100, le=210, description="reset value at design cold")
    hot_water_min_f: float = Field(140, ge=90, le=210)
    duct_static_inh2o: float = Field(1.5, gt=0, le=5)
    chiller_lockout_f: float = Field(52, ge=0, le=80, description="chillers off below")
    boiler_lockout_f: float = Field(62, ge=30, le=90, description="boilers off above")
    economizer_high_limit_f: float = Field(65, ge=40, le=80)
    economizer_high_limit_btu_lb: float = Field(
        28.0, ge=15, le=40, description="enthalpy high limit (economizer_control: enthalpy)")


class Chillers(_Model):
    count: int = Field(2, ge=1, le=8)
    capacity_tons: float = Field(400, gt=0, le=5000)
    design_cop: float = Field(6.1, gt=1, le=12)


class Boilers(_Model):
    count: int = Field(2, ge=1, le=8)
    capacity_kbtuh: float = Field(2500, gt=0, le=100_000)
    efficiency: float = Field(0.84, ge=0.5, le=0.99)


class Equipment(_Model):
    zone_orientations: list[Literal[ORIENTATIONS]] = Field(
        default_factory=lambda: ["north", "east", "south", "west"], min_length=1,
        description="one VAV zone per entry on every floor",
    )
    ahu_count: int = Field(4, ge=1, le=100)
    vav_max_cfm: float = Field(3000, gt=0, le=50_000)
    vav_min_fraction: float = Field(0.3, ge=0.05, le=1)
    chillers: Chillers = Chillers()
    boilers: Boilers = Boilers()
    lighting_w_per_ft2: float = Field(0.8, ge=0, le=5)
    plug_w_per_ft2: float = Field(1.25, ge=0, le=10)
    base_load_w_per_ft2: float = Field(
        0.5, ge=0, le=10, description="IT rooms (own cooling included) and always-on loads, day and night (plug meter)")
    fan_w_per_cfm: float = Field(1.0, gt=0, le=5)
    economizer_control: Literal["dry_bulb", "enthalpy"] = Field(
        "dry_bulb", description="economizer high limit: outside dry bulb or enthalpy")
    demand_controlled_ventilation: bool = Field(
        False, description="outdoor air for the people present (CO₂-based), not design")

    @field_validator("zone_orientations")
    @classmethod
    def _unique(cls, values):
        if len(set(values)) != len(values):
            raise ValueError("orientations must be unique")
        return values


class DataQuality(_Model):
    noise_scale: float = Field(1.0, ge=0, le=10)
    dropout_rate: float = Field(0.001, ge=0, le=0.5, description="missing rows, per point")
    stale_rate: float = Field(0.003, ge=0, le=0.5, description="share of stale sensor rows")
    stale_max_intervals: int = Field(6, ge=1, le=96)
    drift_fraction: float = Field(0.2, ge=0, le=1, description="share of sensors that drift")
    drift_max_per_year: float = Field(1.0, ge=0, le=20, description="°F per year")
    outage_rate: float = Field(0.0002, ge=0, le=0.1, description="equipment comm losses")
    outage_max_intervals: int = Field(8, ge=1, le=96)


FAULT_TYPES = (
    "stuck_damper",
    "leaking_valve",
    "sensor_bias",
    "economizer_stuck",
    "schedule_override",
    "short_cycling",
    "coil_fouling",
    "low_chw_delta_t",
    "pump_failure",
    "fan_failure",
    "tower_fan_failure",
    "duct_static_sensor",
    "meter_fault",
    "simultaneous_heating_cooling",
    "setpoint_misconfig",
    "schedule_misconfig",
    "reheat_valve_stuck",
    "reheat_valve_leaking",
)
# Kinds that come in several forms: the first is the default.
FAULT_MODES = {
    "duct_static_sensor": ("bias", "stuck"),
    "meter_fault": ("stuck", "scale", "spike"),
    "setpoint_misconfig": ("offset", "deadband"),
    "schedule_misconfig": ("always_on", "shift"),
}


class Fault(_Model):
    type: Literal[FAULT_TYPES]
    equip: str = Field(description="catalogue key of the faulty equipment")
    start: AwareDatetime
    end: AwareDatetime | None = Field(None, description="open-ended when null")
    severity: float = Field(0.5, gt=0, le=1)
    ramp_days: float = Field(0, ge=0, le=3650, description="onset: severity grows over this")
    point: str | None = Field(None, description="sensor_bias: point name on the equipment")
    position_pct: float | None = Field(None, ge=0, le=100, description="stuck position")
    magnitude: float | None = Field(
        None, description="size at severity 1, in the kind's unit (faults.MAGNITUDES): "
        "sensor_bias °F (5), coil_fouling share of capacity lost (0.6), low_chw_delta_t "
        "share of design ΔT lost (0.5), duct_static_sensor bias inH₂O (-0.5) or stuck "
        "reading (0), meter_fault scale factor (1.5) or spike depth × the reading (1), "
        "simultaneous_heating_cooling °F through the heating coil (8), setpoint_misconfig "
        "offset °F (-3) or deadband °F (0.5), schedule_misconfig shift in hours (2), "
        "reheat_valve_stuck the position it is stuck at, % open (100; 0: stuck shut), "
        "reheat_valve_leaking share of the coil's capacity passing when shut (0.3)")
    mode: str | None = Field(
        None, description="the form of the fault: " + "; ".join(
            f"{k}: {', '.join(v)}" for k, v in FAULT_MODES.items()) + " (first is default)")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        modes = FAULT_MODES.get(self.type)
        if self.mode is not None and modes is None:
            raise _field_error("mode", self.mode,
                               f"mode applies to {', '.join(FAULT_MODES)} only")
        if self.mode is not None and self.mode not in modes:
            raise _field_error("mode", self.mode, f"{self.type} mode is one of {', '.join(modes)}")
        size = self.magnitude
        if size is None:
            return self
        bound = MAGNITUDE_BOUNDS.get((self.type, self.mode or (modes or (None,))[0]))
        if bound is not None:
            low, high, open_low, what = bound
            if not ((low < size if open_low else low <= size) and size <= high):
                interval = f"{'(' if open_low else '['}{low:g}, {high:g}]"
                raise _field_error("magnitude", size,
                                   f"{self.type} magnitude is {what}, in {interval}")
        return self


# Bounds of a fault's magnitude by (kind, mode): (low, high, low excluded, what it is). A
# zero where it is meaningless is refused by parse_spec; sizes that would throw the physics
# out of any building's range (a schedule a year late, a 34,000 °F zone) are refused here.
MAGNITUDE_BOUNDS = {
    ("sensor_bias", None): (-100.0, 100.0, False, "the °F the sensor reads high"),
    ("coil_fouling", None): (0.0, 1.0, True, "the share of the coil's capacity lost"),
    ("low_chw_delta_t", None): (0.0, 1.0, True, "the share of the plant's design ΔT lost"),
    ("duct_static_sensor", "bias"): (-5.0, 5.0, False, "the inH₂O the sensor reads high"),
    ("duct_static_sensor", "stuck"): (0.0, 5.0, False, "the inH₂O the stuck sensor reads"),
    ("meter_fault", "scale"): (0.0, 10.0, True, "the factor the reading is multiplied by"),
    ("meter_fault", "spike"): (0.0, 10.0, True, "a spike's depth × the reading"),
    ("meter_fault", "stuck"): (0.0, 10.0, True, "unused by a frozen meter"),
    ("simultaneous_heating_cooling", None): (
        0.0, 60.0, True, "the °F the leaking heating coil adds to the air"),
    ("setpoint_misconfig", "offset"): (-20.0, 20.0, False, "the °F on the occupied setpoints"),
    ("setpoint_misconfig", "deadband"): (
        0.0, 10.0, True, "the occupied deadband's width in °F"),
    ("schedule_misconfig", "shift"): (
        -24.0, 24.0, False, "the hours the HVAC schedule runs late (negative: early)"),
    ("reheat_valve_stuck", None): (0.0, 100.0, False, "the stuck position, % open"),
    ("reheat_valve_leaking", None): (
        0.0, 1.0, True, "the share of the coil's capacity passing when shut"),
}


def _field_error(name, value, message):
    """A Fault rule's error located at its field (faults.N.<name>), not at the fault."""
    return ValidationError.from_exception_data("Fault", [InitErrorDetails(
        type=PydanticCustomError("value_error", "{message}", {"message": message}),
        loc=(name,), input=value)])


class Spec(_Model):
    seed: int = Field(42, ge=0, le=2**63 - 1)
    interval_minutes: int = Field(15, ge=1, le=1440, description="must divide a day")
    site: Site = Site()
    climate: Climate = Climate()
    weather: WeatherSource = WeatherSource()
    schedule: Schedule = Schedule()
    setpoints: Setpoints = Setpoints()
    equipment: Equipment = Equipment()
    data_quality: DataQuality = DataQuality()
    faults: list[Fault] = Field(default_factory=lambda: [Fault(**f) for f in DEFAULT_FAULTS])

    @field_validator("interval_minutes")
    @classmethod
    def _divides_day(cls, value):
        if 1440 % value:
            raise ValueError(f"{value} does not divide a day (1440 minutes)")
        return value

    @property
    def interval_seconds(self):
        return self.interval_minutes * 60

    def to_dict(self):
        return self.model_dump(mode="json")
