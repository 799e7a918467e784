"""The Haystack HTTP API's own state: SCRAM credentials, handshakes, auth tokens, watches.

All of it lives in the database, so a login started on one web process finishes on another
and a watch survives a restart of the web processes.
"""

from django.conf import settings
from django.db import models


class ScramCredential(models.Model):
    """A user's SCRAM-SHA-256 verifier (RFC 5802): what the server needs to check a proof.

    Django's password hash cannot serve SCRAM (another salt and construction), so these are
    derived from the raw password whenever one is set (see haystack/credentials.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="scram_credential"
    )
    salt = models.CharField(max_length=64)  # standard base64
    iterations = models.PositiveIntegerField()
    stored_key = models.CharField(max_length=64)  # base64 of H(ClientKey)
    server_key = models.CharField(max_length=64)  # base64 of HMAC(SaltedPassword, "Server Key")
    # Django's password hash the verifier was derived with: a password changed in a way that
    # bypassed our hook (e.g. a raw SQL update) leaves a verifier that no longer counts.
    password_hash = models.CharField(max_length=128)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"SCRAM credential of {self.user}"


class ScramHandshake(models.Model):
    """One login in progress: HELLO made it, client-first fills it, client-final ends it."""

    token = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=150)
    client_first_bare = models.TextField(blank=True, default="")
    server_first = models.TextField(blank=True, default="")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"SCRAM handshake of {self.username}"


class HaystackAuthToken(models.Model):
    """An authToken issued by a SCRAM login. Only its SHA-256 is stored; it expires."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="haystack_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"Haystack token of {self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class HaystackWatch(models.Model):
    """A watch (watchSub/watchPoll/watchUnsub) on one org's points.

    `entity_ids` is the watched set; `sent` maps entity id -> the current-value timestamp
    last reported, so a poll reports only what changed since."""

    watch_id = models.CharField(max_length=64, unique=True)
    org = models.ForeignKey("Org", models.DO_NOTHING, db_constraint=False, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="haystack_watches"
    )
    dis = models.CharField(max_length=255, blank=True, default="")
    lease_seconds = models.PositiveIntegerField()
    entity_ids = models.JSONField(default=list)
    sent = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"watch {self.watch_id} of org {self.org_id}"
