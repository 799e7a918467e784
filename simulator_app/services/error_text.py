"""What a failure may say where the org's members read it (simulator_state.error_message, the
activity log, a backfill job's error_message): the kind of failure and which value database,
never the database's own words.

A driver's message carries hosts, ports, users, database names, SQL and row values
(`connection to server at "10.0.0.5", port 5432 failed: FATAL: password authentication
failed for user "hsim"`). Those stay in the server log (the caller logs the exception);
the stored text names the database by its HSIM_VALUE_DATABASES key and the kind of failure,
from the SQLSTATE where the driver gives one. Failures that are not database errors (a bad
configuration, an engine error) keep their own message: it is hsim's text, and it says what
to fix.
"""

import sqlite3

from django.db import Error as DjangoDatabaseError

from ..storage.errors import DatabaseWriteError, PrimaryDatabaseError

try:
    import psycopg
    DRIVER_ERRORS = (psycopg.Error, sqlite3.Error, DjangoDatabaseError)
except ImportError:  # pragma: no cover - psycopg is a requirement
    DRIVER_ERRORS = (sqlite3.Error, DjangoDatabaseError)

MAX_LENGTH = 500

# SQLSTATE class (first two characters) or code -> the kind of failure.
SQLSTATE_KINDS = {
    "57014": "a statement timed out",
    "55P03": "a lock wait timed out",
    "40P01": "a deadlock",
    "40001": "a serialization failure",
    "42501": "permission denied",
    "42P01": "a table is missing",
    "3D000": "the database does not exist",
    "57P01": "the server shut down",
    "08": "the connection failed",
    "28": "authentication failed",
    "53": "the server ran out of resources (disk, memory or connections)",
    "23": "a row broke a constraint",
    "22": "a value was refused",
    "42": "a statement was refused",
    "25": "a transaction failed",
}

CONNECT_KINDS = (
    (("timeout", "timed out"), "the connection timed out"),
    (("password authentication failed", "no password supplied", "no pg_hba.conf entry",
      "authentication failed"), "authentication failed"),
    (("does not exist",), "the database or role does not exist"),
    (("too many clients", "remaining connection slots"), "the server has no connection left"),
    (("the database system is starting up", "shutting down"), "the server is not accepting"
                                                              " connections"),
)


def kind_of(exc):
    """A short description of a database failure, from its cause chain."""
    for err in chain(exc):
        state = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if state:
            return SQLSTATE_KINDS.get(state) or SQLSTATE_KINDS.get(state[:2]) or (
                f"SQLSTATE {state}")
    for err in chain(exc):
        name = type(err).__name__
        if name in ("OperationalError", "InterfaceError", "ConnectionTimeout"):
            text = str(err).lower()
            for words, kind in CONNECT_KINDS:  # failures while connecting carry no SQLSTATE
                if any(w in text for w in words):
                    return kind
            if isinstance(err, sqlite3.Error) or "sqlite" in type(err).__module__:
                return "the database file could not be used"
            return "the connection failed"
    return "a database error"


def chain(exc):
    """The exception, then what it wraps: a storage error's `cause`, or `__cause__` (raise
    ... from: Django wraps the driver's error so)."""
    seen = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = getattr(exc, "cause", None) or exc.__cause__
    return seen


def class_names(exc):
    names = [type(e).__name__ for e in chain(exc)
             if not isinstance(e, (PrimaryDatabaseError, DatabaseWriteError))]
    return names[0] if names else type(exc).__name__


def public_message(exc):
    """The text to store for a failure the org's members can read."""
    if isinstance(exc, PrimaryDatabaseError):
        return (f"PrimaryDatabaseError: primary value database {exc.db_key!r} failed:"
                f" {kind_of(exc)} ({class_names(exc)}; details in the server log)")
    if isinstance(exc, DatabaseWriteError):
        return (f"DatabaseWriteError: value database {exc.db_key!r} failed: {kind_of(exc)}"
                f" ({class_names(exc)}; details in the server log)")
    if isinstance(exc, DRIVER_ERRORS) or any(isinstance(e, DRIVER_ERRORS) for e in chain(exc)):
        return (f"{type(exc).__name__}: the project database failed: {kind_of(exc)}"
                " (details in the server log)")
    text = str(exc).strip()
    line = text.splitlines()[0] if text else ""
    message = f"{type(exc).__name__}: {line}" if line else type(exc).__name__
    return message if len(message) <= MAX_LENGTH else message[:MAX_LENGTH - 1] + "…"
