"""Organisations and their value tables."""

from django.db import transaction

from ..models import Org
from ..storage.ddl import index_name, table_names, validate_org_key
from .errors import FieldError
from .value_databases import ensure_value_tables


class OrgError(FieldError):
    """Bad org input; `field` names what was wrong."""


def relation_names(key):
    """Every table and index name the storage layer creates for an org key (storage/ddl.py):
    `values_<key>`, `values_<key>_current` and their indexes. Tables and indexes share one
    namespace per schema (PostgreSQL) or database (SQLite), so two orgs must never share
    one of these names."""
    values, current = table_names(key)
    return {values, current, index_name(values, "entity_id_idx"), index_name(values, "ts_idx"),
            index_name(current, "entity_id_idx")}


def reserved_suffixes():
    """The endings the storage layer appends to `values_<key>` (`_current`, `_ts_idx`...).

    A key that ends in one names another org's table or index: `orga_current`'s values table
    *is* org `orga`'s `_current` table. Refusing these endings refuses every such pair in
    both directions (whichever org comes first), without looking at the database."""
    probe = "k"
    base = table_names(probe)[0]
    return sorted({name[len(base):] for name in relation_names(probe)} - {""})


def check_org_key(key, existing=None):
    """Refuse a key that is malformed or whose tables would collide with another org's.

    `existing` is the org this key already belongs to (an edit), which never collides with
    itself."""
    try:
        validate_org_key(key)
    except ValueError as exc:
        raise OrgError("key", str(exc)) from None
    for suffix in reserved_suffixes():
        if key.endswith(suffix):
            raise OrgError("key", f"must not end in '{suffix}': values_<key>{suffix} is"
                                  " where the value tables of another org key would live")
    # Belt and braces for orgs created before this rule, or by the platform itself (and for
    # the hashed names of long keys): no table or index name may already be an org's.
    ours = relation_names(key)
    others = Org.objects.exclude(key=key).exclude(key__isnull=True)
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    for other_key in others.values_list("key", flat=True).iterator():
        try:
            theirs = relation_names(other_key)
        except ValueError:
            continue  # a platform org with a key hsim would refuse has no hsim tables
        clash = ours & theirs
        if clash:
            raise OrgError("key", f"its table {sorted(clash)[0]} would be one of org"
                                  f" '{other_key}'")


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
        if org.disabled_ts is not None:  # deleted (services/org_deletion.py): nothing new in it
            raise OrgError("key", f"org '{key}' is disabled (deleted)")
        ensure_value_tables(key)
        return org, False
    return create_org(key, name), True
