"""A scratch PostgreSQL database with hsim migrated into it, for benchmarks."""

import os
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("HSIM_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def setup_django(db_name):
    """Recreate `db_name`, point Django at it, set Django up and migrate."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{db_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
