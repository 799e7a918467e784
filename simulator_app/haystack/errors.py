"""What an op reports instead of an answer."""


class OpError(ValueError):
    """A request the op cannot answer: an error grid (HTTP 200, as the spec's error grids)."""


class UnknownOp(LookupError):
    """No such op (HTTP 404)."""
