"""Who sees what: org membership decides every read and write; staff see everything.

Objects of an org the caller does not belong to are reported as *not found*, never as
forbidden, so ids of other orgs leak nothing. A viewer sees its orgs' objects but may not
change them (forbidden).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Org, OrgMembership, PollerConfig, ServiceAccount, Simulator


class NotVisible(LookupError):
    """The object does not exist, or belongs to an org the caller cannot see (HTTP 404)."""


class Forbidden(PermissionError):
    """The caller sees the object but may not do this to it (HTTP 403)."""


def is_staff(user):
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def visible_orgs(user):
    """Orgs the user belongs to (enabled ones); every org for staff."""
    if is_staff(user):
        return Org.objects.all()
    if not (user and user.is_authenticated):
        return Org.objects.none()
    org_ids = OrgMembership.objects.filter(user=user).values("org_id")
    return Org.objects.filter(id__in=org_ids, disabled_ts__isnull=True)


def writable_org_ids(user):
    return set(
        OrgMembership.objects.filter(user=user, role=OrgMembership.MEMBER).values_list(
            "org_id", flat=True
        )
    )


def roles_of(user):
    """{org_id: role} of the user's memberships."""
    return dict(OrgMembership.objects.filter(user=user).values_list("org_id", "role"))


def can_write(user, org_id):
    if is_staff(user):
        return True
    return org_id in writable_org_ids(user) and visible_orgs(user).filter(id=org_id).exists()


def require_write(user, org_id):
    if not can_write(user, org_id):
        raise Forbidden("your role in this org is read-only")


def get_org(user, org_id):
    org = visible_orgs(user).filter(id=org_id).first()
    if org is None:
        raise NotVisible(f"org {org_id} not found")
    return org


def visible_pollers(user, model=PollerConfig):
    """Active pollers of the user's orgs (the platform's reads return active rows only)."""
    return model.objects.select_related("org").filter(
        org_id__in=visible_orgs(user).values("id"), status="active"
    )


def get_poller(user, poller_id, model=PollerConfig):
    poller = visible_pollers(user, model).filter(poller_id=poller_id).first()
    if poller is None:
        raise NotVisible(f"poller {poller_id} not found")
    return poller


def get_simulator(user, poller_id, write=False):
    simulator = visible_pollers(user, Simulator).filter(poller_id=poller_id).first()
    if simulator is None:
        other = visible_pollers(user).filter(poller_id=poller_id).values_list(
            "poller_type", flat=True).first()
        if other is not None:  # the caller sees it: say what it is rather than "not found"
            raise NotVisible(f"poller {poller_id} is a '{other}' poller, not a simulator")
        raise NotVisible(f"poller {poller_id} not found")
    if write:
        require_write(user, simulator.org_id)
    return simulator


@transaction.atomic
def issue_service_token(org, name, rotate=False):
    """Create (or find) the org's service account `name` and return (user, raw token).

    The account is a member of the org, has no usable password and logs in only with the
    token. Tokens are stored hashed, so an account's token is shown once: issuing again needs
    `rotate`, which replaces it (the old one stops working at once).
    """
    from . import tokens

    name = (name or "").strip()
    if not name:
        raise ValueError("a service account needs a name")
    account = ServiceAccount.objects.select_related("user").filter(org=org, name=name).first()
    if account is None:
        User = get_user_model()
        username = f"svc-{org.key}-{name}"[:150]
        if User.objects.filter(username=username).exists():
            raise ValueError(f"user {username!r} exists and is not a service account of {org.key}")
        user = User(username=username, is_active=True)
        user.set_unusable_password()
        user.save()
        account = ServiceAccount.objects.create(user=user, org=org, name=name)
    OrgMembership.objects.update_or_create(
        user=account.user, org=org, defaults={"role": OrgMembership.MEMBER}
    )
    if rotate:
        return account.user, tokens.replace_tokens(account.user)
    if tokens.has_token(account.user):
        raise ValueError(
            f"service account {account.user.username} has a token already; tokens are stored"
            " hashed and shown only once: --rotate replaces it"
        )
    return account.user, tokens.issue_token(account.user)
