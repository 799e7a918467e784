import itertools
import os
import uuid

import pytest
from django.db import connection

# The processes tests start (gunicorn, celery worker, Flower) refuse a published SECRET_KEY
# with DEBUG off, as in production: give them a random one of this run.
os.environ.setdefault("SECRET_KEY", "test-" + uuid.uuid4().hex + uuid.uuid4().hex)

_counter = itertools.count()


@pytest.fixture
def unique_key():
    """An org key no other test (or earlier run) uses: value tables outlive test transactions."""

    def make(prefix="t"):
        return f"{prefix}{uuid.uuid4().hex[:10]}{next(_counter)}"

    return make


@pytest.fixture(autouse=True)
def _close_shared_value_writer():
    """Ticks keep one value-database writer per process: close it after each test, so no
    connection outlives the test (or blocks dropping the test database)."""
    yield
    from simulator_app.services.value_databases import reset_shared_writer

    reset_shared_writer()


def truncate_core_tables():
    """Transactional test cleanup skips unmanaged tables; tests with real commits call this."""
    from simulator_app.schema.migrate import CORE_MODELS
    from django.apps import apps

    with connection.cursor() as cursor:
        for name in CORE_MODELS:
            table = connection.ops.quote_name(apps.get_model("simulator_app", name)._meta.db_table)
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {table} RESTART IDENTITY CASCADE")
            else:
                cursor.execute(f"DELETE FROM {table}")


@pytest.fixture
def clean_core(transactional_db):
    truncate_core_tables()
    yield
    truncate_core_tables()


def postgres_admin_url(dbname="postgres"):
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hsim")
    base = url.rsplit("/", 1)[0]
    return f"{base}/{dbname}"
