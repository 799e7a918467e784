"""Errors of the storage layer.

Callers act on the class, not on the message: a `PrimaryDatabaseError` puts the simulator into
its `error` state (and makes `/bulk/value` answer 503), a `PermissionDeniedError` is a 403 from
the platform, everything else is a plain failure of one write.
"""


class StorageError(Exception):
    """Base class of every error raised by `simulator_app.storage`."""


class InvalidRowsError(StorageError, ValueError):
    """Value rows that cannot be written (wrong shape, out-of-range ids, bad timestamps...)."""


class DatabaseWriteError(StorageError):
    """One value database failed; the transaction was rolled back, nothing of it is visible."""

    def __init__(self, db_key, cause):
        self.db_key = db_key
        self.cause = cause
        super().__init__(f"value database {db_key!r} failed: {describe(cause)}")


class PrimaryDatabaseError(StorageError):
    """The primary value database (or, over HTTP, the platform's primary) failed.

    Nothing of the batch counts as written: the primary rolled back and no secondary was
    touched, so the caller must not advance its state.
    """

    def __init__(self, db_key, cause=None, message=None):
        self.db_key = db_key
        self.cause = cause
        text = message or f"primary value database {db_key!r} unavailable"
        if cause is not None and message is None:
            text += f": {describe(cause)}"
        super().__init__(text)


class PermissionDeniedError(StorageError):
    """The platform refused the write (HTTP 403); `detail` is the server's explanation."""

    def __init__(self, detail):
        self.detail = detail
        super().__init__(f"permission denied by /bulk/value: {detail}")


class BulkValueHttpError(StorageError):
    """`/bulk/value` failed for another reason: a 4xx, or 5xx / connection errors after retries."""

    def __init__(self, message, status=None, detail=None):
        self.status = status
        self.detail = detail
        super().__init__(message)


def describe(exc):
    """One line for logs and `last_error`: the exception class and its first message line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
