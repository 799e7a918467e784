"""hsim's simulation engine: a deterministic, physically consistent Haystack building.

Pure numpy (plus pydantic for the spec); nothing here imports Django or touches a database.

    spec = default_spec()                      # or parse_spec(dict) -> Spec, raises SpecError
    cat = catalogue(spec)                      # .entities, .points (stable keys, Haystack tags)
    state = initial_state(spec)
    batch, state = generate(spec, state, start, end)   # [start, end), aligned, end exclusive
    state_json = state.to_dict(); State.from_dict(state_json)
    labels(spec, start, end)                   # ground truth, also batch.labels: faults, then
                                               # drift/stale/dropout/outage (anomalies=False:
                                               # faults only)

`start`/`end` are timezone-aware datetimes or epoch seconds on the spec's interval grid.
Generating [a, c) equals generating [a, b) then [b, c) with the state carried between
(bit-identical), and the same spec, seed and state always give the same batch.

Tag values (entity and point `.tags`) use the Hayson JSON encoding:
    marker            {"_kind": "marker"}
    ref               {"_kind": "ref", "val": "<catalogue key>"}   e.g. siteRef, equipRef
    number with unit  {"_kind": "number", "val": 150000, "unit": "ft²"}
    number, unitless  plain JSON number;  str, bool: plain JSON values
    coord             {"_kind": "coord", "lat": ..., "lng": ...}
Refs name catalogue keys; provisioning maps them to entity ids (value_ref). See tags.py.

The state is a JSON object (see state.py): last_end, zone_temps, totalizers, rates, held,
idle, indoor (return-air CO₂), staging (plant timers). Batch fields are documented in
batch.py; the engine writes statuses "ok", "stale" and "fault" (a reading outside its sensor's
range) and marks dropouts with present=False, never "down". Labels cover episodes and
anomalies overlapping the window; an open-ended fault's label ends at the window's end.
Totalizers are the trapezoid integral of their rate's true value and start at 0.

Weather: synthetic (weather.py) unless the spec names a typical-year file (`weather.preset`
or `weather.file`, weather_files.py; files only from the folder weather_files.configure()
was given, which the Django app sets from HSIM_WEATHER_DIR).
"""

from .batch import KIND_BOOL, KIND_NUMBER, STATUSES, Batch, Label
from .catalogue import Catalogue, Entity, Point
from .catalogue import build as catalogue
from .generate import generate, initial_state, labels
from .parsing import SpecError, default_spec, parse_spec, spec_json_schema
from .spec import Spec
from .state import State
from .tags import matches, tag_kind

__all__ = [
    "Batch", "Catalogue", "Entity", "KIND_BOOL", "KIND_NUMBER", "Label", "Point", "STATUSES",
    "Spec", "SpecError", "State", "catalogue", "default_spec", "generate", "initial_state",
    "labels", "matches", "parse_spec", "spec_json_schema", "tag_kind",
]
