"""Engine tag values (Hayson JSON) to core.entity_tag value columns.

    marker               no value column (a marker is present by existing)
    ref                  value_ref = the referenced entity's id
    Number               value_n; with a unit, the unit symbol goes in value_s
    Str / Bool           value_s / value_b
    anything else (coord, dict)   value_dict, the Hayson object as is
"""

from ..engine import tag_kind


def tag_columns(value, entity_ids):
    """The value columns for one tag; `entity_ids` maps catalogue keys to entity ids."""
    kind = tag_kind(value)
    if kind == "marker":
        return {}
    if kind == "ref":
        return {"value_ref": entity_ids[value["val"]]}
    if kind == "number":
        if isinstance(value, dict):
            columns = {"value_n": float(value["val"])}
            if value.get("unit"):
                columns["value_s"] = value["unit"]
            return columns
        return {"value_n": float(value)}
    if kind == "bool":
        return {"value_b": value}
    if kind == "str":
        return {"value_s": value}
    return {"value_dict": value}
