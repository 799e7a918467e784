"""Poller configs: the platform's registry, of which simulators are one type."""

import json

from django.db import IntegrityError, connection, transaction

from ..models import PollerConfig
from . import json_text
from .errors import FieldError

POLLER_STATUSES = ("active", "inactive")


class PollerError(FieldError):
    """Bad poller input; `field` names what was wrong."""


def allocate_poller_id():
    """Next poller_id from the database, never max()+1 in Python (which races).

    PostgreSQL hands out the serial's sequence value; SQLite serialises writers, so max()+1
    inside the inserting transaction is safe there and the unique index backs it up.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('core.poller_config', 'poller_id'))"
            )
        else:
            cursor.execute(
                f"SELECT COALESCE(MAX(poller_id), 0) + 1 FROM {PollerConfig._meta.db_table}"
            )
        return cursor.fetchone()[0]


def allocate_poller_ids(count):
    """`count` fresh poller_ids for one bulk insert (calling allocate_poller_id per row
    before the insert hands SQLite's max()+1 to every row). Call inside the inserting
    transaction, as allocate_poller_id."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('core.poller_config', 'poller_id'))"
                " FROM generate_series(1, %s)", [count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT COALESCE(MAX(poller_id), 0) FROM {PollerConfig._meta.db_table}"
        )
        top = cursor.fetchone()[0]
        return list(range(top + 1, top + 1 + count))


def normalise_config(config):
    """The `config` column is JSON text; accept a dict or a JSON string holding an object."""
    if isinstance(config, str):
        try:
            config = json_text.loads(config)
        except json_text.JSONInputError as exc:
            raise PollerError("config", str(exc)) from None
    if not isinstance(config, dict):
        raise PollerError("config", "must be a JSON object")
    try:
        return json_text.check_depth(config)
    except json_text.JSONInputError as exc:
        raise PollerError("config", str(exc)) from None


def create_poller(org, poller_type, poller_name, config, status="active", model=PollerConfig):
    if status not in POLLER_STATUSES:
        raise PollerError("status", f"must be one of {', '.join(POLLER_STATUSES)}")
    config_text = json.dumps(normalise_config(config), sort_keys=True)
    # A sequence value can collide with a poller_id that someone inserted by hand; the next
    # value will not, so retry a few times rather than fail.
    for attempt in range(5):
        try:
            with transaction.atomic():
                return model.objects.create(
                    org=org,
                    poller_type=poller_type,
                    poller_id=allocate_poller_id(),
                    poller_name=poller_name,
                    config=config_text,
                    status=status,
                )
        except IntegrityError:
            if attempt == 4:
                raise
