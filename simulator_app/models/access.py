"""Who may see and touch which org: memberships and service accounts (hsim's own tables).

The platform authenticates through Cognito and `core.org_user`; hsim keeps its own small
tables in Django's schema instead, so it never writes to the platform's ACL tables.
"""

from django.conf import settings
from django.db import models


class OrgMembership(models.Model):
    """A user's membership of an org. Viewers read; members also create, control and write."""

    MEMBER, VIEWER = "member", "viewer"
    ROLES = [(MEMBER, "member (read and write)"), (VIEWER, "viewer (read only)")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="org_memberships"
    )
    # Org lives in the unmanaged `core` schema: no database constraint across schemas.
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False, related_name="+")
    role = models.CharField(max_length=20, choices=ROLES, default=MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "org"], name="uniq_org_membership")
        ]
        verbose_name = "org membership"

    def __str__(self):
        return f"{self.user} in org {self.org_id} ({self.role})"

    @property
    def can_write(self):
        return self.role == self.MEMBER


class ServiceAccount(models.Model):
    """Marks a user as a machine account (a poller, a script) of one org; it logs in only
    with its token, never with a password."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="service_account"
    )
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False, related_name="+")
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="uniq_service_account_name")
        ]

    def __str__(self):
        return f"service account {self.name} of org {self.org_id}"
