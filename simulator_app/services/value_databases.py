"""The value databases every batch goes to, resolved from settings.HSIM_VALUE_DATABASES."""

from urllib.parse import quote

from django.conf import settings
from django.db import connection

from ..storage import MultiDatabaseWriter, open_value_database


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
