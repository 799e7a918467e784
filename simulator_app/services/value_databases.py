"""The value databases every batch goes to, resolved from settings.HSIM_VALUE_DATABASES."""

import logging
import os
import threading
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from ..storage import MultiDatabaseWriter, open_value_database

log = logging.getLogger(__name__)


def default_database_url():
    """The project's own database as a URL the storage layer can open by itself."""
    db = settings.DATABASES["default"]
    # The test runner swaps NAME at run time; the live connection knows the real one.
    name = connection.settings_dict["NAME"] or db["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth + '@' if auth else ''}{host}{port}/{quote(name, safe='')}"


def value_database_configs():
    configs = []
    for item in settings.HSIM_VALUE_DATABASES:
        url = item.get("url", "default")
        configs.append(
            {
                "key": item["key"],
                "url": default_database_url() if url == "default" else url,
                "primary": bool(item.get("primary", False)),
            }
        )
    if sum(c["primary"] for c in configs) != 1:
        raise ValueError("HSIM_VALUE_DATABASES must name exactly one primary database")
    return configs


def open_database(config):
    options = {}
    if not config["url"].startswith("sqlite:"):
        options["chunk_interval"] = settings.HSIM_TIMESCALE_CHUNK_INTERVAL
        options["connect_timeout"] = settings.HSIM_VALUE_DB_CONNECT_TIMEOUT
        options["statement_timeout_ms"] = settings.HSIM_VALUE_DB_STATEMENT_TIMEOUT_MS
        options["lock_timeout_ms"] = settings.HSIM_VALUE_DB_LOCK_TIMEOUT_MS
    return open_value_database(config["key"], config["url"], config["primary"], **options)


def multi_writer():
    """A writer over every configured value database (connections open lazily)."""
    return MultiDatabaseWriter([open_database(c) for c in value_database_configs()],
                               probe_after_s=settings.HSIM_SECONDARY_PROBE_SECONDS,
                               secondary_deadline_s=settings.HSIM_SECONDARY_DEADLINE_SECONDS)


# One writer per process (and thread) for ticks: its connections stay open across ticks and
# its per-org DDL check is remembered, which a fresh writer per tick paid every time (a new
# connection + the table check, ~4 ms of a ~20 ms tick). Keyed by the resolved configuration
# (tests and deployments may change it) and the pid: a forked Celery child must never reuse
# its parent's sockets, so it opens its own lazily (and worker_process_init resets it).
_shared = threading.local()
# A parent's writer seen after a fork is kept referenced, never closed or collected: closing
# (or a finalizer) would send the parent's sessions a terminate message over shared sockets.
_inherited = []


def _writer_settings():
    return (tuple((c["key"], c["url"], c["primary"]) for c in value_database_configs()),
            settings.HSIM_TIMESCALE_CHUNK_INTERVAL, settings.HSIM_VALUE_DB_CONNECT_TIMEOUT,
            settings.HSIM_VALUE_DB_STATEMENT_TIMEOUT_MS, settings.HSIM_VALUE_DB_LOCK_TIMEOUT_MS,
            settings.HSIM_SECONDARY_PROBE_SECONDS, settings.HSIM_SECONDARY_DEADLINE_SECONDS)


def shared_writer():
    """This process's long-lived writer over every value database (do not close it).

    Broken connections reconnect by themselves (PostgresValueDatabase retries a replayable
    operation once on a connection that died while idle); the circuit breakers live in the
    primary, so sharing the writer changes nothing about them."""
    key = (os.getpid(), _writer_settings())
    writer = getattr(_shared, "writer", None)
    if writer is not None and _shared.key == key:
        return writer
    if writer is not None:
        if _shared.key[0] == os.getpid():
            writer.close()
        else:
            _inherited.append(writer)
    _shared.writer, _shared.key = multi_writer(), key
    return _shared.writer


def reset_shared_writer(close=True):
    """Forget this process's writer (worker_process_init after a fork: close=False, the
    sockets belong to the parent; tests and shutdown: close=True)."""
    writer = getattr(_shared, "writer", None)
    _shared.writer, _shared.key = None, None
    if writer is not None and not close:
        _inherited.append(writer)
    elif writer is not None:
        try:
            writer.close()
        except Exception as exc:  # a dead connection: nothing to release
            log.debug("closing the shared value writer: %s", exc)


def ensure_value_tables(org_key):
    """Create the org's value tables wherever they can be created now.

    The primary must succeed (PrimaryDatabaseError otherwise); a secondary that is down gets
    its tables when it catches up, and one whose circuit is open is not even tried (a hung
    secondary would cost every provisioning its connect timeout).
    """
    writer = multi_writer()
    try:
        writer.ensure_tables(org_key)
    finally:
        writer.close()
