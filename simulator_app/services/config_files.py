"""Reading building specs from JSON or YAML files."""

import json
from pathlib import Path

import yaml


def load_config_file(path):
    """A dict from a .json/.yaml/.yml file; ValueError with the reason otherwise."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path} is not valid JSON/YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold an object (a mapping) at the top level")
    return data
