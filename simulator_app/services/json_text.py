"""JSON from the outside world, bounded: nesting depth, and Python's own recursion limit.

Python's json decoder recurses once per nesting level and raises RecursionError (not
ValueError) near ~1,000 levels; a structure just below that passes the decoder and then
breaks the first recursive walk over it (validators, json.dumps). No input of hsim nests
deeper than a handful of levels (a building spec: 3), so anything past MAX_DEPTH is refused
as bad input, and the decoder's RecursionError becomes the same refusal.
"""

import json

MAX_DEPTH = 64


class JSONInputError(ValueError):
    """The text is not acceptable JSON; the message says why (never echoing the input)."""


def too_deep(value, max_depth=MAX_DEPTH):
    """True when `value` nests containers deeper than `max_depth`.

    Level by level, without recursion; a 50,000-value /bulk/value body takes ~75 ms here
    (its json.loads ~250 ms)."""
    containers = (dict, list)
    level, depth = ([value] if type(value) in containers else []), 1
    while level:
        if depth > max_depth:
            return True
        below = []
        for item in level:
            children = item.values() if type(item) is dict else item
            below.extend([child for child in children if type(child) in containers])
        level, depth = below, depth + 1
    return False


def check_depth(value, max_depth=MAX_DEPTH):
    if too_deep(value, max_depth):
        raise JSONInputError(f"JSON nested deeper than {max_depth} levels")
    return value


def loads(text, max_depth=MAX_DEPTH, **kwargs):
    """json.loads, raising JSONInputError for malformed, too deeply nested or huge-number input."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONInputError(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # JSONDecodeError, and int() of a number past 4,300 digits
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise JSONInputError(f"not valid JSON ({message})") from None
    return check_depth(value, max_depth)
