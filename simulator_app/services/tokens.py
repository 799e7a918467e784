"""API tokens, stored hashed (django-rest-knox): only a SHA-512 digest and a 15-character
lookup prefix are kept, so a leaked database or admin page gives no usable token.

A raw token is shown once, when it is issued. Every entry point that accepts tokens (the REST
API's `Token`/`Bearer` headers, the Haystack API) resolves them through `user_for_token`.
"""

from django.db import transaction
from knox.auth import TokenAuthentication as _KnoxAuthentication
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

# Longer than any token hsim issues (64 hex characters, 40 for tokens migrated from DRF):
# anything longer is refused before it is hashed.
MAX_TOKEN_LENGTH = 200

_knox = _KnoxAuthentication()


def issue_token(user):
    """A new token of `user` (no expiry); the raw value is returned and stored nowhere."""
    _, raw = AuthToken.objects.create(user=user, expiry=None)
    return raw


def has_token(user):
    return AuthToken.objects.filter(user=user).exists()


@transaction.atomic
def replace_tokens(user):
    """Revoke every token of `user` and issue one new one (the old ones stop working at once)."""
    AuthToken.objects.filter(user=user).delete()
    return issue_token(user)


def revoke_tokens(user):
    return AuthToken.objects.filter(user=user).delete()[0]


def authenticate_token(raw):
    """(user, AuthToken) for a raw token of an active user, else None (expired ones go)."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_LENGTH:
        return None
    try:
        return _knox.authenticate_credentials(raw.encode("utf-8"))
    except (AuthenticationFailed, UnicodeError):
        return None


def user_for_token(raw):
    """The active user a raw API token belongs to, or None."""
    found = authenticate_token(raw)
    return found[0] if found else None
