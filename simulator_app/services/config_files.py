"""Reading the files a command line is given: building specs (JSON or YAML) and engine states.

Every command reads them through here, so every command refuses the same way (ConfigFileError,
a ValueError: exit status 2 and the message). The file comes from a user and may be anything,
so the loader is bounded before it looks at what the file means:
- at most MAX_BYTES are read (a spec is a few KiB): `/dev/zero` or a log file is refused at
  once instead of filling memory;
- a YAML document may use at most MAX_ALIASES aliases and expand to at most MAX_NODES nodes,
  nested at most MAX_DEPTH deep: an alias bomb (9 levels of 9 aliases: 387 M strings once
  expanded) is refused while it is still a small graph of shared nodes, before anything
  walks or serializes it;
- messages name the file, the line and the column, never the file's text: a file that is not
  a spec is not echoed back (YAML's snippets and unknown field names are left out).
"""

import json
import re

import yaml

from .. import engine

MAX_BYTES = 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 100_000
MAX_DEPTH = 64


class ConfigFileError(ValueError):
    """A file that cannot be used; the message is safe to print (no content of the file)."""


def read_text(path, limit=None):
    """The file's text, read no further than `limit` (MAX_BYTES) bytes."""
    limit = MAX_BYTES if limit is None else limit
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigFileError(
            f"{path} is larger than {limit // 1024} KiB; a building spec is a few KiB"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def load_config_file(path):
    """A dict from a .json/.yaml/.yml file (anything but .json is read as YAML)."""
    text = read_text(path)
    data = load_json(path, text) if str(path).endswith(".json") else load_yaml(path, text)
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path} must hold an object (a mapping) at the top level")
    return data


def load_json(path, text):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise ConfigFileError(f"{path} is nested more than {MAX_DEPTH} levels deep") from None
    if depth_of(data) > MAX_DEPTH:
        raise ConfigFileError(f"{path} is nested more than {MAX_DEPTH} levels deep")
    return data


def depth_of(value, depth=1):
    if isinstance(value, dict):
        return max((depth_of(v, depth + 1) for v in value.values()), default=depth)
    if isinstance(value, list):
        return max((depth_of(v, depth + 1) for v in value), default=depth)
    return depth


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while it composes the node graph."""

    def __init__(self, stream):
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _Refused(f"uses more than {MAX_ALIASES} YAML aliases")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(f"is nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Refused(Exception):
    pass


def load_yaml(path, text):
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            expanded_size(node)
        return None if node is None else loader.construct_document(node)
    except _Refused as exc:
        raise ConfigFileError(f"{path} {exc}") from None
    except yaml.MarkedYAMLError as exc:
        raise ConfigFileError(f"{path} is not valid YAML: {describe_yaml_error(exc)}") from None
    except yaml.YAMLError:
        raise ConfigFileError(f"{path} is not valid YAML") from None
    finally:
        loader.dispose()


def expanded_size(node, sizes=None, open_nodes=None):
    """Nodes in the document once every alias is expanded; _Refused past MAX_NODES or for an
    alias inside its own anchor (the graph is shared, so this costs one visit per node)."""
    sizes = {} if sizes is None else sizes
    open_nodes = set() if open_nodes is None else open_nodes
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise _Refused("has a YAML alias inside its own anchor")
    open_nodes.add(key)
    if isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    else:
        children = []
    size = 1 + sum(expanded_size(child, sizes, open_nodes) for child in children)
    open_nodes.discard(key)
    if size > MAX_NODES:
        raise _Refused(f"expands to more than {MAX_NODES} YAML nodes (through its aliases)")
    sizes[key] = size
    return size


def describe_yaml_error(exc):
    """PyYAML's problem and position, without the snippet of the file it quotes."""
    problem = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", exc.problem or "syntax error")
    mark = exc.problem_mark
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem


def load_building_file(path):
    """(building spec dict, the interval the file states or None) from a spec file, or from a
    simulator config {"building_config": spec, "interval_minutes": N}. The spec is validated
    here: ConfigFileError with a message that names no unknown field."""
    data = load_config_file(path)
    if "building_config" in data:
        building = data["building_config"]
        if not isinstance(building, dict):
            raise ConfigFileError(f"{path}: building_config must be an object (a mapping)")
        building = dict(building)
        if "interval_minutes" in data:
            building["interval_minutes"] = data["interval_minutes"]
        data = building
    try:
        engine.parse_spec(data)
    except engine.SpecError as exc:
        raise ConfigFileError(f"{path}: {exc.describe()}") from None
    return data, data.get("interval_minutes")


def load_state_file(path):
    """An engine state saved by `hsim_generate --state-out`."""
    data = load_json(path, read_text(path))
    try:
        return engine.State.from_dict(data)
    except (ValueError, TypeError, AttributeError, KeyError):
        raise ConfigFileError(f"{path} does not hold an engine state") from None
