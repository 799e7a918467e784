"""Fixtures for the storage tests: scratch PostgreSQL databases (no Django).

Every session (and every xdist worker) creates its own databases named `hsim_st_<random>`
and drops them at the end, so these tests run next to any other test module. Tests share a
session database but each uses its own org key (fresh tables), or asks for a fresh database.
"""

import os
import uuid

import psycopg
import pytest
from psycopg import sql


def admin_url():
    """Where to create scratch databases: HSIM_TEST_PG_ADMIN_URL, else the server of
    DATABASE_URL when it is PostgreSQL, else postgres@127.0.0.1:5432."""
    explicit = os.environ.get("HSIM_TEST_PG_ADMIN_URL")
    if explicit:
        return explicit
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0] + "/postgres"
    return "postgresql://postgres@127.0.0.1:5432/postgres"


def url_for(dbname):
    return admin_url().rsplit("/", 1)[0] + "/" + dbname


class ScratchDatabases:
    """Creates databases on demand; makes one unavailable and available again; drops all."""

    def __init__(self):
        self.admin = admin_url()
        self.created = []

    def _admin(self):
        return psycopg.connect(self.admin, autocommit=True, connect_timeout=10)

    def create(self):
        name = f"hsim_st_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return name, url_for(name)

    def make_unavailable(self, name):
        """Refuse new connections and kill the open ones: the database is 'down'."""
        with self._admin() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false")
                         .format(sql.Identifier(name)))
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))

    def make_available(self, name):
        with self._admin() as conn:
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true")
                         .format(sql.Identifier(name)))

    def drop_all(self):
        with self._admin() as conn:
            for name in self.created:
                conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true")
                             .format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                             .format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def scratch():
    try:
        psycopg.connect(admin_url(), connect_timeout=10).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"storage tests need PostgreSQL at {admin_url()}: {exc}")
    databases = ScratchDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def pg_url(scratch):
    """A scratch database shared by the session (use a fresh org key per test)."""
    return scratch.create()[1]


@pytest.fixture
def pg_conn(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def org_key():
    return f"t{uuid.uuid4().hex[:12]}"
