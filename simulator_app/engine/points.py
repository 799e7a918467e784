"""The points of each equipment type: Haystack tags, unit, and which physics signal feeds them.

A template's `signal` names a physics output shaped [T, n] with one column per equipment of
that type (catalogue order); `quality` names how the reading is degraded (quality.PROFILES).
Units are Haystack unit symbols. Totalizers carry `hisTotalized` and name the rate they
integrate (`per_second` converts the rate's unit to the total's unit per second).

Marker sets follow the Haystack 4 point protos of their equipment (computed from the standard
defs in tests/haystack/protos.py). Deliberate extensions, named in that test: the equipment's
own power and energy meters (chillers, pumps, cooling tower, AHU fan), boiler run/enable and
gas flow, the gas and water meters' (and the kitchen gas submeter's) points, and VAV zone
occupancy.
Pumps' run points get their medium (`chilled water pump run sensor`) in catalogue.py.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    name: str
    dis: str
    markers: str
    unit: str | None
    signal: str
    quality: str
    kind: str = "Number"
    enum: str | None = None
    per_second: float | None = None  # totalizers only


def _bool(name, dis, markers, signal, quality, enum="off,on"):
    return Template(name, dis, markers, None, signal, quality, kind="Bool", enum=enum)


def _total(name, dis, markers, unit, signal, per_second):
    return Template(name, dis, markers + " hisTotalized", unit, signal, "totalizer",
                    per_second=per_second)


_RUN = _bool("run", "Run Status", "run sensor", "run", "bool_sensor")
_ENABLE = _bool("enable-cmd", "Enable Command", "enable cmd", "enable", "command")
_POWER = Template("power", "Power", "ac elec active power sensor", "kW", "power", "power")
_KWH = _total("energy", "Energy", "ac elec active import energy sensor total", "kWh", "power",
              1 / 3600)

# Supply/return water sensors: the same readings on the plant and on each machine.
_CHWS = Template("chw-supply-temp", "CHW Supply Temp", "chilled water leaving temp sensor", "°F",
    "chws", "water_temp")
_CHWR = Template("chw-return-temp", "CHW Return Temp", "chilled water entering temp sensor", "°F",
    "chwr", "water_temp")
_HWS = Template("hw-supply-temp", "HW Supply Temp", "hot water leaving temp sensor", "°F",
    "hws", "water_temp")
_HWR = Template("hw-return-temp", "HW Return Temp", "hot water entering temp sensor", "°F",
    "hwr", "water_temp")


TEMPLATES = {
    "weather": (
        Template("air-temp", "Air Temp", "weather air temp sensor", "°F", "oat", "air_temp"),
        Template("air-humidity", "Air Humidity", "weather air humidity sensor", "%RH",
                 "humidity", "humidity"),
        Template("air-dew-point", "Dew Point", "weather air dewPoint sensor", "°F",
                 "dew_point", "air_temp"),
        Template("air-wet-bulb", "Wet Bulb", "weather air wetBulb sensor", "°F", "wet_bulb",
                 "air_temp"),
        Template("solar-irradiance", "Solar Irradiance", "weather solar irradiance sensor",
                 "W/m²", "ghi", "irradiance"),
        Template("wind-speed", "Wind Speed", "weather wind speed sensor", "mph", "wind", "wind"),
        Template("air-pressure", "Air Pressure", "weather atmospheric pressure sensor", "inHg",
                 "pressure", "barometric"),
    ),
    "chw_plant": (
        Template("chw-supply-temp-sp", "CHW Supply Temp Setpoint", "chilled water leaving temp sp",
                 "°F", "chw_sp", "command"),
        _CHWS,
        _CHWR,
    ),
    "chiller": (
        _ENABLE,
        _RUN,
        _CHWS,
        _CHWR,
        Template("chw-flow", "CHW Flow", "chilled water leaving flow sensor", "gal/min",
                 "chw_flow", "water_flow"),
        Template("cw-entering-temp", "CW Entering Temp", "condenser water entering temp sensor",
                 "°F", "cw_in", "water_temp"),
        Template("cw-leaving-temp", "CW Leaving Temp", "condenser water leaving temp sensor",
                 "°F", "cw_out", "water_temp"),
        _POWER,
        _KWH,
    ),
    "pump": (_RUN, _POWER),
    "cooling_tower": (
        _bool("fan-run", "Fan Run Status", "fan run sensor", "run", "bool_sensor"),
        Template("fan-speed", "Fan Speed", "fan vfd speed cmd", "%", "fan_speed", "command"),
        Template("cw-leaving-temp", "CW Leaving Temp", "condenser water leaving temp sensor",
                 "°F", "cw_cold", "water_temp"),
        Template("cw-entering-temp", "CW Entering Temp", "condenser water entering temp sensor",
                 "°F", "cw_hot", "water_temp"),
        Template("power", "Fan Power", "ac elec active power sensor", "kW", "power", "power"),
    ),
    "hw_plant": (
        Template("hw-supply-temp-sp", "HW Supply Temp Setpoint", "hot water leaving temp sp",
                 "°F", "hw_sp", "command"),
        _HWS,
        _HWR,
    ),
    "boiler": (
        _ENABLE,
        _RUN,
        _HWS,
        _HWR,
        Template("hw-flow", "HW Flow", "hot water leaving flow sensor", "gal/min", "hw_flow",
                 "water_flow"),
        Template("gas-flow", "Gas Flow", "naturalGas flow sensor", "cfh", "gas_flow",
                 "gas_flow"),
    ),
    "ahu": (
        _bool("fan-cmd", "Supply Fan Command", "discharge fan run cmd", "fan_cmd", "command"),
        _bool("fan-run", "Supply Fan Status", "discharge fan run sensor", "fan_run",
              "bool_sensor"),
        Template("fan-speed", "Supply Fan Speed", "discharge fan vfd speed cmd", "%", "fan_speed",
                 "command"),
        Template("fan-power", "Supply Fan Power", "ac elec active power sensor", "kW", "power",
                 "power"),
        Template("discharge-air-temp", "Discharge Air Temp", "discharge air temp sensor", "°F",
                 "sat", "air_temp"),
        Template("discharge-air-temp-sp", "Discharge Air Temp Setpoint", "discharge air temp sp",
                 "°F", "sat_sp", "command"),
        Template("mixed-air-temp", "Mixed Air Temp", "mixed air temp sensor", "°F", "mat",
                 "air_temp"),
        Template("return-air-temp", "Return Air Temp", "return air temp sensor", "°F", "rat",
                 "air_temp"),
        Template("outside-air-temp", "Outside Air Temp", "outside air temp sensor", "°F", "oat",
                 "air_temp"),
        Template("outside-damper", "Outside Air Damper", "outside damper cmd", "%", "oa_damper",
                 "command"),
        Template("cooling-valve", "Cooling Valve", "discharge chilled water cool valve cmd", "%",
                 "cooling_valve", "command"),
        Template("heating-valve", "Heating Valve", "discharge hot water heat valve cmd", "%",
                 "heating_valve", "command"),
        Template("duct-static-pressure", "Duct Static Pressure", "discharge air pressure sensor",
                 "inH₂O", "static", "pressure"),
        Template("duct-static-pressure-sp", "Duct Static Pressure Setpoint",
                 "discharge air pressure sp", "inH₂O", "static_sp", "command"),
        Template("discharge-air-flow", "Discharge Air Flow", "discharge air flow sensor", "cfm",
                 "flow", "airflow"),
        Template("outside-air-enthalpy", "Outside Air Enthalpy", "outside air enthalpy sensor",
                 "BTU/lb", "oa_h", "enthalpy"),
        Template("return-air-enthalpy", "Return Air Enthalpy", "return air enthalpy sensor",
                 "BTU/lb", "ra_h", "enthalpy"),
        Template("mixed-air-enthalpy", "Mixed Air Enthalpy", "mixed air enthalpy sensor",
                 "BTU/lb", "ma_h", "enthalpy"),
    ),
    "vav": (
        Template("zone-temp", "Zone Temp", "zone air temp sensor", "°F", "zone_temp", "zone_temp"),
        Template("zone-cooling-sp", "Zone Cooling Setpoint",
                 "zone air temp effective cooling sp", "°F", "cool_sp", "command"),
        Template("zone-heating-sp", "Zone Heating Setpoint",
                 "zone air temp effective heating sp", "°F", "heat_sp", "command"),
        Template("airflow", "Discharge Air Flow", "discharge air flow sensor", "cfm", "flow",
                 "airflow"),
        Template("damper", "Damper Position", "discharge damper cmd", "%", "damper", "command"),
        # Where the damper really is: follows the command unless it is stuck.
        Template("damper-feedback", "Damper Feedback", "discharge damper sensor", "%",
                 "damper_fb", "position"),
        Template("reheat-valve", "Reheat Valve", "discharge hot water heat valve cmd", "%",
                 "reheat", "command"),
        Template("discharge-air-temp", "Discharge Air Temp", "discharge air temp sensor", "°F",
                 "dat", "air_temp"),
        _bool("occupied", "Occupancy", "zone occupied sensor", "occupied", "bool_sensor",
              enum="unoccupied,occupied"),
        Template("zone-co2", "Zone CO₂", "zone air co2 concentration sensor", "ppm", "co2",
                 "co2"),
        Template("zone-humidity", "Zone Humidity", "zone air humidity sensor", "%RH", "rh",
                 "humidity"),
    ),
    "elec_meter": (
        _POWER,
        _KWH,
        Template("power-factor", "Power Factor", "ac elec pf sensor", "pf", "pf", "pf"),
    ),
    "elec_submeter": (_POWER, _KWH),
    "gas_meter": (
        Template("flow", "Gas Flow", "naturalGas flow sensor", "cfh", "flow", "gas_flow"),
        _total("volume", "Gas Volume", "naturalGas volume sensor", "ft³", "flow", 1 / 3600),
    ),
    "gas_submeter": (
        Template("flow", "Gas Flow", "naturalGas flow sensor", "cfh", "flow", "gas_flow"),
        _total("volume", "Gas Volume", "naturalGas volume sensor", "ft³", "flow", 1 / 3600),
    ),
    "water_meter": (
        Template("flow", "Water Flow", "domestic water flow sensor", "gal/min", "flow",
                 "water_flow"),
        _total("volume", "Water Volume", "domestic water volume sensor", "gal", "flow", 1 / 60),
    ),
}
