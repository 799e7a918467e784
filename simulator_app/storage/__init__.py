"""Value storage: the write path from engine batches to value tables (no Django in here).

    rows.py           ValueRows, the columnar long-format rows every writer takes
    ddl.py            value table DDL (PostgreSQL `core` schema, TimescaleDB, SQLite), org keys
    pg_copy.py        vectorised binary COPY encoding
    pg_writer.py      PostgreSQL: COPY for new ranges, temp table + ON CONFLICT otherwise
    pg_bulk.py        index drop/rebuild for bulk loads into an empty table (backfills)
    sqlite_writer.py  SQLite (embedded default)
    sync_state.py     secondary catch-up state, kept in the primary
    multi.py          MultiDatabaseWriter: primary + secondaries, catch-up, status
    http_writer.py    POST /bulk/value client
    databases.py      open_value_database(key, url, primary)
"""

from .databases import open_value_database, open_value_databases
from .ddl import (
    create_sync_table,
    create_value_tables,
    hypertable_statements,
    timescaledb_available,
    timescaledb_status,
    validate_org_key,
)
from .errors import (
    BulkValueHttpError,
    DatabaseWriteError,
    InvalidRowsError,
    PermissionDeniedError,
    PrimaryDatabaseError,
    StorageError,
)
from .http_writer import BulkValueHttpWriter
from .multi import DatabaseOutcome, MultiDatabaseWriter, WriteReport
from .pg_writer import PostgresValueDatabase, WriteStats
from .rows import ValueRows
from .sqlite_writer import SqliteValueDatabase

__all__ = [
    "BulkValueHttpError", "BulkValueHttpWriter", "DatabaseOutcome", "DatabaseWriteError",
    "InvalidRowsError", "MultiDatabaseWriter", "PermissionDeniedError", "PostgresValueDatabase",
    "PrimaryDatabaseError", "SqliteValueDatabase", "StorageError", "ValueRows", "WriteReport",
    "WriteStats", "create_sync_table", "create_value_tables", "hypertable_statements",
    "open_value_database", "open_value_databases", "timescaledb_available",
    "timescaledb_status", "validate_org_key",
]
