"""Retention and compression of every org's values, in every value database (issue 13).

Beat runs `run_retention` hourly (CELERY_BEAT_SCHEDULE "hsim:retention"). Each org's policy is
its OrgStoragePolicy, field by field falling back to HSIM_RETENTION_DAYS /
HSIM_COMPRESS_AFTER_DAYS. Every database is handled on its own (same cutoff everywhere); one
that fails is logged and the others go on. The work per org and run is bounded (see
storage/retention.py); whatever is left is deleted by the next run.
"""

import logging
from datetime import timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

from ..models import Org, OrgStoragePolicy
from ..storage import retention
from .errors import FieldError
from .intervals import floor_to_interval, from_epoch, to_epoch
from .value_databases import open_database, value_database_configs

log = logging.getLogger(__name__)


def policy_of(org):
    """(retention_days, compress_after_days) for `org` (0 = keep forever / never compress)."""
    return days_of(OrgStoragePolicy.objects.filter(org_id=org.pk).first())


def days_of(policy):
    """An OrgStoragePolicy (or None) with the settings' defaults filled in."""
    retention_days = getattr(policy, "retention_days", None)
    compress_after = getattr(policy, "compress_after_days", None)
    return (settings.HSIM_RETENTION_DAYS if retention_days is None else retention_days,
            settings.HSIM_COMPRESS_AFTER_DAYS if compress_after is None else compress_after)


def earliest_backfill_start(org, now=None, step=None):
    """The earliest start the org's retention allows a backfill (None: keeps forever): its
    cutoff, floored to `step` seconds when given -- interval timestamps are, so `retention_days`
    days of whole intervals back from the current interval are allowed."""
    return _earliest_start(policy_of(org)[0], now, step)


def _earliest_start(days, now, step):
    cutoff = retention.cutoff_for(days, now)
    if cutoff is None:
        return None
    cutoff = cutoff.replace(tzinfo=dt_timezone.utc)
    return from_epoch(floor_to_interval(to_epoch(cutoff), step)) if step else cutoff


def check_backfill_start(org, start, now=None, step=None):
    """Refuse (field `start`) a backfill whose rows the org's retention would delete: they
    would be generated, written, then dropped by the next hourly run."""
    days, _ = policy_of(org)
    cutoff = _earliest_start(days, now, step)
    if cutoff is None:
        return
    if start < cutoff:
        raise FieldError("start", (
            f"must be at or after {cutoff:%Y-%m-%dT%H:%MZ}: the org keeps values for"
            f" {days} days (its retention, OrgStoragePolicy.retention_days or"
            " HSIM_RETENTION_DAYS) and older rows are deleted every hour"))


def set_policy(org, retention_days=None, compress_after_days=None):
    """Set (None: back to the default) the org's retention and compression days."""
    for name, value in (("retention_days", retention_days),
                        ("compress_after_days", compress_after_days)):
        if value is not None and not (isinstance(value, int) and 0 <= value <= 36_500):
            raise ValueError(f"{name} must be a whole number of days from 0 to 36500")
    policy, _ = OrgStoragePolicy.objects.update_or_create(
        org_id=org.pk, defaults={"retention_days": retention_days,
                                 "compress_after_days": compress_after_days})
    return policy


def run_retention(now=None, orgs=None):
    """Apply every org's policy in every value database; a list of outcome dicts."""
    now = now or timezone.now()
    orgs = list(orgs if orgs is not None else Org.objects.exclude(key__isnull=True)
                .exclude(key=""))
    policies = {p.org_id: p for p in OrgStoragePolicy.objects.filter(
        org_id__in=[o.pk for o in orgs])}
    outcomes = []
    for config in value_database_configs():
        db = open_database(config)
        try:
            for org in orgs:
                days, compress = days_of(policies.get(org.pk))
                try:
                    outcome = retention.apply_retention(
                        db, org.key, days, compress, now=now,
                        batch_rows=settings.HSIM_RETENTION_BATCH_ROWS,
                        max_batches=settings.HSIM_RETENTION_MAX_BATCHES)
                except ValueError as exc:  # an org key no value table can have
                    log.warning("retention: org %s skipped: %s", org.key, exc)
                    continue
                except Exception as exc:  # this database is down: the next run retries
                    log.error("retention in value database %s failed for org %s: %s",
                              config["key"], org.key, exc)
                    outcomes.append({"database": config["key"], "org_key": org.key,
                                     "method": "error", "error": str(exc)})
                    if not config["primary"]:
                        break  # a dead secondary: do not pay its timeout once per org
                    continue
                if outcome.deleted or outcome.method == "timescaledb":
                    log.info("retention: %s/%s %s, cutoff %s, %s rows deleted in %s batch(es)%s",
                             config["key"], org.key, outcome.method, outcome.cutoff,
                             outcome.deleted, outcome.batches,
                             "" if outcome.complete else " (more left for the next run)")
                outcomes.append(outcome.as_dict())
        finally:
            db.close()
    return outcomes
