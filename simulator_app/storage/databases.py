"""Open a value database from its URL: PostgreSQL (URL or conninfo) or SQLite (`sqlite:///path`).

URLs follow dj-database-url: `sqlite:///relative/path`, `sqlite:////absolute/path`,
`sqlite:///:memory:`. The Django service layer resolves `"url": "default"` before calling here.
"""

from .pg_writer import PostgresValueDatabase
from .sqlite_writer import SqliteValueDatabase


def open_value_database(key, url, primary=False, **options):
    """A value database object (connects lazily) with write / ensure_tables / delete_entities /
    read_rows / close. `options` go to the class (decimals, chunk_rows, chunk_interval...)."""
    if not key or not isinstance(key, str):
        raise ValueError(f"value database key must be a non-empty string, got {key!r}")
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"value database {key!r}: URL must be a non-empty string")
    url = url.strip()
    if url.startswith("sqlite://"):
        path = url[len("sqlite://"):]
        if path.startswith("/"):
            path = path[1:]  # sqlite:///rel -> rel, sqlite:////abs -> /abs
        if not path:
            raise ValueError(f"value database {key!r}: no path in {url!r}")
        return SqliteValueDatabase(key, path, primary, **options)
    if url.startswith(("postgres://", "postgresql://")) or "=" in url:
        return PostgresValueDatabase(key, url, primary, **options)
    raise ValueError(f"value database {key!r}: unsupported URL scheme in {url!r} "
                     "(expected postgresql://... or sqlite:///...)")


def open_value_databases(configs, **options):
    """Open every entry of a `[{"key", "url", "primary"}]` setting (URLs already resolved)."""
    return [open_value_database(c["key"], c["url"], bool(c.get("primary", False)), **options)
            for c in configs]
