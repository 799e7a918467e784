"""Access decisions the views need, over `services.access` (which holds the rules)."""

from rest_framework.exceptions import ValidationError

from ..services import access


def org_from_body(user, org_id, write=True, denied_status=400):
    """The org a request body names. One the caller cannot see gets the same answer whether
    it exists or not: a field error (400), or a 403 where the platform's contract says so
    (/bulk/value). A read-only membership is a 403."""
    try:
        org = access.get_org(user, org_id)
    except access.NotVisible:
        if denied_status == 403:
            raise access.Forbidden(f"org {org_id} is not one of your organisations") from None
        raise ValidationError({"org_id": [f"no organisation {org_id} among yours"]}) from None
    if write:
        access.require_write(user, org.id)
    return org
