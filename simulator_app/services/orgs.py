"""Organisations and their value tables."""

from django.db import transaction

from ..models import Org
from ..storage.ddl import validate_org_key
from .errors import FieldError
from .value_databases import ensure_value_tables


class OrgError(FieldError):
    """Bad org input; `field` names what was wrong."""


def check_org_key(key):
    try:
        validate_org_key(key)
    except ValueError as exc:
        raise OrgError("key", str(exc)) from None


def create_org(key, name=None):
    """Create an org and its `values_<key>` tables in every value database.

    The key is validated before anything is created, and never reaches SQL unquoted. The
    tables are created first (idempotently), so an org row never points at missing tables.
    """
    check_org_key(key)
    name = name or key
    if Org.objects.filter(key=key).exists():
        raise OrgError("key", f"an org with key '{key}' already exists")
    if Org.objects.filter(name=name).exists():
        raise OrgError("name", f"an org named '{name}' already exists")
    ensure_value_tables(key)
    with transaction.atomic():
        return Org.objects.create(
            name=name, key=key, value_table=f"values_{key}", schema_name=key
        )


def get_or_create_org(key, name=None):
    check_org_key(key)
    org = Org.objects.filter(key=key).first()
    if org is not None:
        ensure_value_tables(key)
        return org, False
    return create_org(key, name), True
