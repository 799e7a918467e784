"""parse_spec: a dict in, a validated Spec out, or a SpecError listing every bad field."""

from typing import get_args

from pydantic import BaseModel, ValidationError

from .faults import BIAS_POINTS, FAULT_TARGETS, MAGNITUDE_KINDS, zero_magnitude_allowed
from .layout import Layout
from .spec import Spec
from .weather_files import WeatherFileError, load, resolve


class SpecError(ValueError):
    """An invalid building spec; `.errors` is [{"field": "dotted.path", "message": ...}]."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self):
        parts = [f"{e['field'] or '(spec)'}: {e['message']}" for e in self.errors]
        return "invalid building spec: " + "; ".join(parts)

    def describe(self):
        """The message for a file someone pointed us at: unknown fields are counted under
        their parent with the fields that parent knows, never named (a file that is not a
        spec would otherwise have its lines echoed back as field names)."""
        unknown, parts = {}, []
        for e in self.errors:
            if e["message"] == UNKNOWN_FIELD:
                parent = e["field"].rpartition(".")[0]
                unknown[parent] = unknown.get(parent, 0) + 1
            else:
                parts.append(f"{e['field'] or '(spec)'}: {e['message']}")
        for parent, count in unknown.items():
            known = known_fields(parent)
            hint = f"; known fields: {', '.join(known)}" if known else ""
            plural = "s" if count > 1 else ""
            parts.append(f"{parent or '(top level)'}: {count} unknown field{plural}{hint}")
        return "invalid building spec: " + "; ".join(parts)


UNKNOWN_FIELD = "unknown field"


def known_fields(path):
    """The field names the spec allows at a dotted path ("" = top level; list indexes skipped)."""
    model = Spec
    for part in path.split(".") if path else []:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        model = None if field is None else _model_in(field.annotation)
        if model is None:
            return []
    return sorted(model.model_fields)


def _model_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def parse_spec(data):
    if isinstance(data, Spec):
        data = data.to_dict()
    if not isinstance(data, dict):
        raise SpecError([{"field": "", "message": "a building spec must be a JSON object"}])
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_field_errors(exc)) from None
    named = "ahu_count" in (data.get("equipment") or {})
    if not named and spec.equipment.ahu_count > spec.site.floors:
        # The default 4 AHUs need 4 floors: a smaller building that names no AHU count gets
        # one AHU per floor instead of a refusal (an explicit count is still checked).
        equipment = spec.equipment.model_copy(update={"ahu_count": spec.site.floors})
        spec = spec.model_copy(update={"equipment": equipment})
    if "faults" not in data:
        # The default scenarios target the default layout: keep those that still apply.
        types = Layout.of(spec).equip_types
        spec = spec.model_copy(update={"faults": [f for f in spec.faults if f.equip in types]})
    errors = (_setpoint_errors(spec) + _layout_errors(spec) + _fault_errors(spec)
              + _weather_errors(spec))
    if errors:
        raise SpecError(errors)
    return spec


def default_spec():
    return parse_spec({})


def spec_json_schema():
    return Spec.model_json_schema()


def _field_errors(exc):
    errors = []
    for e in exc.errors():
        message = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            message = UNKNOWN_FIELD
        errors.append({"field": ".".join(str(p) for p in e["loc"]), "message": message})
    return errors


def _error(field, message):
    return {"field": field, "message": message}


def _setpoint_errors(spec):
    sp = spec.setpoints
    pairs = [
        ("occupied_heating_f", "occupied_cooling_f", "below"),
        ("unoccupied_heating_f", "unoccupied_cooling_f", "below"),
        ("unoccupied_heating_f", "occupied_heating_f", "at or below"),
        ("supply_air_f", "supply_air_max_f", "at or below"),
        ("chilled_water_f", "chilled_water_max_f", "at or below"),
        ("hot_water_min_f", "hot_water_f", "at or below"),
    ]
    errors = []
    for low, high, relation in pairs:
        a, b = getattr(sp, low), getattr(sp, high)
        if a > b or (relation == "below" and a == b):
            errors.append(_error(f"setpoints.{low}", f"must be {relation} {high} ({b:g})"))
    if sp.unoccupied_cooling_f < sp.occupied_cooling_f:
        errors.append(
            _error("setpoints.unoccupied_cooling_f", "must be at or above occupied_cooling_f")
        )
    return errors


def _layout_errors(spec):
    if spec.equipment.ahu_count > spec.site.floors:
        return [
            _error(
                "equipment.ahu_count",
                f"{spec.equipment.ahu_count} AHUs cannot share {spec.site.floors} floors "
                "(each AHU serves whole floors)",
            )
        ]
    return []


def _fault_errors(spec):
    types = Layout.of(spec).equip_types
    errors = []
    for i, fault in enumerate(spec.faults):
        at = f"faults.{i}"
        kind = types.get(fault.equip)
        allowed = FAULT_TARGETS[fault.type]
        if kind is None:
            errors.append(_error(f"{at}.equip", f"unknown equipment {fault.equip!r}"))
        elif kind not in allowed:
            errors.append(
                _error(f"{at}.equip", f"{fault.type} applies to {' or '.join(allowed)}, "
                       f"not {fault.equip!r} ({kind})")
            )
        elif fault.type == "sensor_bias" and fault.point not in (None, *BIAS_POINTS[kind]):
            errors.append(
                _error(f"{at}.point", f"{fault.point!r} is not a biasable sensor of a {kind}; "
                       f"use one of {', '.join(BIAS_POINTS[kind])}")
            )
        if fault.type != "sensor_bias" and fault.point:
            errors.append(_error(f"{at}.point", "point applies to sensor_bias only"))
        if fault.magnitude is not None and fault.type not in MAGNITUDE_KINDS:
            errors.append(_error(f"{at}.magnitude", f"{fault.type} has no magnitude; it "
                                 f"applies to {', '.join(MAGNITUDE_KINDS)}"))
        if fault.magnitude == 0 and not zero_magnitude_allowed(fault):
            errors.append(_error(f"{at}.magnitude", "must not be zero"))
        stuck = fault.type in ("stuck_damper", "economizer_stuck")
        if fault.position_pct is not None and not stuck:
            errors.append(
                _error(f"{at}.position_pct", "applies to stuck_damper and economizer_stuck only")
            )
    return errors


def _weather_errors(spec):
    """A named weather file must exist where the host allows files and be a whole year."""
    source = spec.weather
    if source.preset is None and source.file is None:
        return []
    field = "weather.preset" if source.preset is not None else "weather.file"
    try:
        path, field = resolve(source)
        load(path)
    except WeatherFileError as exc:
        return [_error(field, str(exc))]
    return []
