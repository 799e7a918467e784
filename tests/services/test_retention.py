"""Storage that lasts: per-org retention over every value database, run hourly by beat; and
fresh planner statistics after a fleet grows."""

from datetime import timedelta

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import connection

from simulator_app.models import EntityTag
from simulator_app.services import fleets, retention
from simulator_app.services.intervals import to_epoch
from simulator_app.services.orgs import create_org
from simulator_app.services.value_databases import open_database, shared_writer, value_database_configs
from simulator_app.storage import ValueRows

from .conftest import T0

DAY = timedelta(days=1)


def write_days(org, days, points=4):
    """One row per point and hour for `days` days before T0 (the newest at T0 - 1 h)."""
    ts = np.array([to_epoch(T0 - days * DAY) + 3600 * i for i in range(days * 24)],
                  dtype=np.int64) * 1_000_000
    n = len(ts)
    rows = ValueRows(entity_id=np.repeat(np.arange(1, points + 1, dtype=np.int64), n),
                     ts=np.tile(ts, points), value_n=np.arange(n * points, dtype=np.float64))
    shared_writer().write(org.key, rows)
    return n * points


def stored(config, org):
    db = open_database(config)
    try:
        return db.read_rows(org.key)
    finally:
        db.close()


@pytest.fixture
def two_databases(settings, tmp_path):
    settings.HSIM_VALUE_DATABASES = [
        {"key": "default", "url": "default", "primary": True},
        {"key": "lite", "url": f"sqlite:///{tmp_path / 'values.sqlite3'}"},
    ]
    return value_database_configs()


def test_old_rows_go_from_every_value_database_per_org_policy(db, unique_key, settings,
                                                             two_databases):
    settings.HSIM_RETENTION_DAYS = 0  # the default keeps everything ...
    keep, trim = create_org(unique_key("rk")), create_org(unique_key("rt"))
    retention.set_policy(trim, retention_days=3)  # ... this org keeps 3 days
    for org in (keep, trim):
        write_days(org, 5)
    outcomes = retention.run_retention(now=T0, orgs=[keep, trim])
    cutoff_us = to_epoch(T0 - 3 * DAY) * 1_000_000
    for config in two_databases:
        kept, trimmed = stored(config, keep), stored(config, trim)
        assert len(kept) == 4 * 5 * 24, config["key"]
        assert len(trimmed) == 4 * 3 * 24 and trimmed.ts.min() == cutoff_us, config["key"]
    by_db = {(o["database"], o["org_key"]): o for o in outcomes}
    assert by_db[("default", trim.key)]["deleted"] == 4 * 2 * 24
    assert by_db[("lite", trim.key)]["deleted"] == 4 * 2 * 24
    assert by_db[("default", keep.key)]["deleted"] == 0
    # A second run finds nothing more to drop: never a row newer than the cutoff.
    again = retention.run_retention(now=T0, orgs=[trim])
    assert [o["deleted"] for o in again] == [0, 0]


def test_the_settings_default_applies_where_an_org_sets_nothing(db, unique_key, settings):
    settings.HSIM_RETENTION_DAYS = 2
    org = create_org(unique_key("rd"))
    write_days(org, 4)
    policy = retention.set_policy(org, retention_days=None, compress_after_days=0)
    assert retention.policy_of(org) == (2, 0) and policy.retention_days is None
    retention.run_retention(now=T0, orgs=[org])
    rows = stored(value_database_configs()[0], org)
    assert len(rows) == 4 * 2 * 24
    retention.set_policy(org, retention_days=0)  # 0: keep forever, whatever the default
    write_days(org, 4)
    retention.run_retention(now=T0, orgs=[org])
    assert len(stored(value_database_configs()[0], org)) == 4 * 4 * 24


@pytest.mark.parametrize("value", [-1, 1.5, "3", 36_501])
def test_a_bad_policy_is_refused(db, unique_key, value):
    org = create_org(unique_key("rb"))
    with pytest.raises(ValueError):
        retention.set_policy(org, retention_days=value)
    assert retention.policy_of(org) == (django_settings.HSIM_RETENTION_DAYS,
                                        django_settings.HSIM_COMPRESS_AFTER_DAYS)


def test_beat_runs_retention_every_hour_as_a_registered_task():
    from hsim_project.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["hsim:retention"]
    assert entry["schedule"] == 3600.0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_a_grown_fleet_leaves_the_catalogue_analyzed(db, unique_key):
    """Without statistics the tag sync of a later re-provisioning scans all of entity_tag."""
    fleet = fleets.define_fleet(create_org(unique_key("ra")), "Stats", 2, seed=3)
    assert fleets.grow(fleet) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                       [EntityTag._meta.db_table.replace('"', "")])
        estimated = cursor.fetchone()[0]
    # ANALYZE ran after the load (it counts this transaction's own rows; nothing else could).
    assert estimated == EntityTag.objects.count() > 0


def test_the_admin_lists_and_edits_storage_policies(admin_client, unique_key, settings):
    settings.HSIM_RETENTION_DAYS = 30
    org = create_org(unique_key("rx"))
    policy = retention.set_policy(org, compress_after_days=0)
    page = admin_client.get("/admin/simulator_app/orgstoragepolicy/")
    assert page.status_code == 200
    assert "30 (default)" in page.content.decode() and "never" in page.content.decode()
    response = admin_client.post(
        f"/admin/simulator_app/orgstoragepolicy/{policy.pk}/change/",
        {"org": org.pk, "retention_days": "5", "compress_after_days": ""})
    assert response.status_code == 302
    assert retention.policy_of(org) == (5, django_settings.HSIM_COMPRESS_AFTER_DAYS)
