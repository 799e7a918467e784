"""Inject a fault into a running simulator: a configuration change like any other.

The episode becomes one more of the spec's fault scenarios with an absolute onset, so the
data it shapes is as deterministic as the rest (a replay or a backfill of the same window
produces the same rows), it appears in the labels, and the change is logged as
`config_change`. Its onset may not lie before data already generated: that data is written
and would contradict the label.
"""

from datetime import datetime

from django.db.models import F
from django.utils import timezone

from .. import engine
from ..engine import faults as engine_faults
from ..engine.faults import BIAS_POINTS, FAULT_TARGETS
from ..engine.spec import Fault
from ..models import ConfigEpoch, FaultEpisode, SimulatorState
from .errors import FieldError, ServiceError, TransitionError
from .intervals import from_epoch, to_epoch
from .points import catalogue_of
from .simulator_config import spec_of
from .simulators import update_config

MAX_RAMP_MINUTES = 3650 * 1440
# Each injection adds a fault to the spec and a configuration epoch, and every labels request
# walks epochs x faults: a bound keeps that work (and GET /faults, one list) bounded.
MAX_INJECTED = 200
# An episode stores its mode and magnitude (migration 0011). For a row written before, GET
# /simulator/faults looks for its fault in the current spec, then in at most this many
# configuration epochs, newest first, EPOCH_PAGE per query: bounded work per request however
# many changes the simulator has had.
MAX_EPOCHS_SEARCHED = 50
EPOCH_PAGE = 10


def equipment_type(entity):
    return "weather" if entity.type == "weatherStation" else entity.type


def resolve_target(simulator, kind, target):
    """(equip key, bias point name or None, canonical target key) or a 400 on `target`."""
    if kind not in FAULT_TARGETS:
        raise FieldError("kind", f"unknown fault kind {kind!r}; one of"
                                 f" {', '.join(sorted(FAULT_TARGETS))}")
    if not isinstance(target, str) or not target:
        raise FieldError("target", "the catalogue key of an equipment (or of a point for"
                                   " sensor_bias)")
    catalogue = catalogue_of(simulator)
    equip_key, _, point = target.partition(".")
    entity = catalogue.entity_index.get(equip_key)
    allowed = FAULT_TARGETS[kind]
    if entity is None or equipment_type(entity) not in allowed:
        raise FieldError("target", f"{target!r} is not a {' or '.join(allowed)} of this"
                                   f" simulator")
    if point and kind != "sensor_bias":
        raise FieldError("target", f"{kind} acts on equipment: name the equipment, not a point")
    if kind == "sensor_bias":
        names = BIAS_POINTS[equipment_type(entity)]
        point = point or names[0]
        if point not in names:
            raise FieldError("target", f"sensor_bias of a {equipment_type(entity)} acts on"
                                       f" {', '.join(names)}")
        return equip_key, point, f"{equip_key}.{point}"
    return equip_key, None, equip_key


def generated_until(simulator):
    """The first instant not generated yet (None when nothing was)."""
    state = SimulatorState.objects.filter(simulator_id=simulator.poller_id).first()
    last_end = ((state.engine_state or {}).get("last_end") if state else None)
    return None if last_end is None else from_epoch(int(last_end))


def _moment(value, field):
    if value is None or isinstance(value, datetime):
        return value
    raise FieldError(field, "an ISO 8601 timestamp")


# The spec's fault fields under the names the injection request uses.
REQUEST_FIELDS = {"type": "kind", "equip": "target", "point": "target", "start": "onset",
                  "end": "end", "severity": "severity", "ramp_days": "ramp_minutes",
                  "mode": "mode", "magnitude": "magnitude"}


def validate_with_spec(building, index):
    """The spec's own validation of the new fault (faults[index] of `building`): its errors
    under the request's field names, as a 400 that changes nothing."""
    try:
        engine.parse_spec(building)
    except engine.SpecError as exc:
        at, errors = f"faults.{index}", {}
        for e in exc.errors:
            field = e["field"]
            if field.startswith(at + "."):  # the spec locates mode/magnitude rules too
                name = REQUEST_FIELDS.get(field[len(at) + 1:].split(".")[0], "fault")
            elif field == at:  # a rule over the whole fault (inject checks end > onset first)
                name = "fault"
            else:
                name = f"building_config.{field}"
            errors.setdefault(name, e["message"])
        raise ServiceError(errors) from None


def inject(simulator, kind, target, severity=0.5, onset=None, ramp_minutes=0, end=None,
           mode=None, magnitude=None, user=None, now=None):
    """Schedule the episode; returns the FaultEpisode, described (`describe`). `mode` and
    `magnitude` are the spec's faults[].mode and .magnitude, validated by the spec's rules; the
    row stores the form the engine applies (the kind's default mode and magnitude where none
    was given, see `_form`). Bad input changes nothing."""
    equip, point, canonical = resolve_target(simulator, kind, target)
    if isinstance(severity, bool) or not isinstance(severity, (int, float)) \
            or not 0 < severity <= 1:
        raise FieldError("severity", "a number in (0, 1]")
    if isinstance(ramp_minutes, bool) or not isinstance(ramp_minutes, int) \
            or not 0 <= ramp_minutes <= MAX_RAMP_MINUTES:
        raise FieldError("ramp_minutes", f"a whole number of minutes, 0 to {MAX_RAMP_MINUTES}")
    onset, end = _moment(onset, "onset"), _moment(end, "end")
    now = now or timezone.now()
    until = generated_until(simulator)
    if onset is None:
        onset = max(now, until) if until else now
    if end is not None and end <= onset:
        raise FieldError("end", "must be after the onset")
    fault = {"type": kind, "equip": equip, "start": onset.isoformat(),
             "end": None if end is None else end.isoformat(), "severity": float(severity),
             "ramp_days": ramp_minutes / 1440}
    if point is not None:
        fault["point"] = point
    if mode is not None:
        fault["mode"] = mode
    if magnitude is not None:
        if isinstance(magnitude, bool):  # pydantic would read true as 1.0
            raise FieldError("magnitude", "a number")
        fault["magnitude"] = magnitude
    building = spec_of(simulator).to_dict()
    building["faults"] = [*building.get("faults", []), fault]
    validate_with_spec(building, len(building["faults"]) - 1)
    form_mode, form_magnitude = _form(Fault.model_validate(fault))

    who = user.get_username() if user is not None and user.is_authenticated else ""
    created = []

    def check_and_record(locked_simulator):
        # Under the simulator's lock, in the change's transaction: no tick can move the
        # cursor past the onset between this check and the change (nor another injection
        # pass the bound).
        if FaultEpisode.objects.filter(simulator=locked_simulator).count() >= MAX_INJECTED:
            raise TransitionError(f"simulator {locked_simulator.poller_id} holds"
                                  f" {MAX_INJECTED} injected faults, the most it may")
        until = generated_until(locked_simulator)
        if until is not None and onset < until:
            raise FieldError("onset", f"data up to {until:%Y-%m-%dT%H:%M:%SZ} is generated"
                                      " already; an onset before it cannot shape it")
        created.append(FaultEpisode.objects.create(
            simulator=locked_simulator, kind=kind, target=canonical, severity=float(severity),
            onset=onset, ramp_minutes=ramp_minutes, end=end, created_by=who,
            mode=form_mode or "", magnitude=form_magnitude,  # "": the kind has one form
        ))

    update_config(
        simulator, building, None, before_change=check_and_record,
        note=f"fault injected: {kind} on {canonical} from {onset:%Y-%m-%d %H:%M} UTC",
        details={"fault_injected": {**fault, "target": canonical}},
    )
    return describe(simulator, created)[0]


def _form(fault):
    """(mode, magnitude at severity 1): the spec's, else the kind's defaults (engine.faults)."""
    return engine_faults.mode(fault), engine_faults.magnitude(fault)


def describe(simulator, episodes):
    """Give each FaultEpisode its `effective_mode` and `effective_magnitude` (what the API
    lists): the ones the row stores (FaultEpisode.recorded_form). A row written before they
    were stored (migration 0011: mode NULL) gets those of the spec fault it became, found in
    the current spec, else in the specs of the configuration epochs (newest first, at most
    MAX_EPOCHS_SEARCHED of them, read EPOCH_PAGE at a time and no further once every such
    episode is found); None and None when none of those specs holds it (a later change
    removed it before data was generated, or only an older epoch still does). No spec is
    read when every row stores its form."""
    wanted = {(e.kind, e.target, to_epoch(e.onset), float(e.severity))
              for e in episodes if not e.form_recorded}
    kinds = {kind for kind, *_ in wanted}
    found = {}

    def search(spec):
        for data in spec.get("faults") or []:
            if data.get("type") not in kinds:
                continue
            try:
                fault = Fault.model_validate(data)
            except ValueError:
                continue
            key = (fault.type, engine_faults.target(fault), to_epoch(fault.start),
                   float(fault.severity))
            if key in wanted and key not in found:
                found[key] = _form(fault)

    if wanted:
        search(spec_of(simulator).to_dict())
    epochs = (ConfigEpoch.objects.filter(simulator=simulator)
              .order_by(F("starts_at").desc(nulls_last=True), "-id").values_list("spec", flat=True))
    for page in range(0, MAX_EPOCHS_SEARCHED, EPOCH_PAGE):
        if len(found) == len(wanted):
            break
        specs = list(epochs[page:min(page + EPOCH_PAGE, MAX_EPOCHS_SEARCHED)])
        for spec in specs:
            search(spec)
            if len(found) == len(wanted):
                break
        if len(specs) < EPOCH_PAGE:
            break
    for e in episodes:
        e.effective_mode, e.effective_magnitude = e.recorded_form() or found.get(
            (e.kind, e.target, to_epoch(e.onset), float(e.severity)), (None, None))
    return episodes


def episodes_of(simulator):
    return describe(simulator,
                    list(FaultEpisode.objects.filter(simulator=simulator)[:MAX_INJECTED]))


