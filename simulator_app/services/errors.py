"""Errors the services raise; entry points map them to HTTP statuses and exit codes."""


class ServiceError(Exception):
    """Bad input: `errors` maps field names to messages."""

    status = 400

    def __init__(self, errors):
        if isinstance(errors, str):
            errors = {"detail": errors}
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class FieldError(ServiceError):
    """Bad input in one named field."""

    def __init__(self, field, message):
        super().__init__({field: message})
        self.field = field
        self.message = message


class TransitionError(ServiceError):
    """The simulator is not in a state that allows the action (HTTP 409)."""

    status = 409


class BusyError(ServiceError):
    """Another run holds the simulator's lock (HTTP 409)."""

    status = 409
