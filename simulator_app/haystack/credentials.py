"""SCRAM verifiers for hsim's Django users.

Django's password hash cannot check a SCRAM proof (another salt and iteration count, and it
must not be one: SaltedPassword is a password equivalent for SCRAM), and SCRAM never sends
the password, so a verifier (salt, iterations, StoredKey, ServerKey) must exist before a
Haystack login. It is derived from the raw password at every moment hsim sees one:

- `ScramPBKDF2PasswordHasher` (first in PASSWORD_HASHERS; the same `pbkdf2_sha256` hashes as
  Django's) remembers, for the last few hashes it computed, the verifier of that password
  (process memory, bounded). When a user row is saved with one of those hashes (create_user,
  createsuperuser, set_password, the admin's forms) the verifier is stored; a password login
  through Django recomputes the hash and the following `last_login` save stores a missing one;
- `ScramCredentialHook` (an AUTH_PASSWORD_VALIDATORS entry whose check is a no-op) stores it
  from `set_password()` + `save()` whatever the hasher;
- `ScramDerivingBackend` (Django's ModelBackend) derives a missing one at a password login.

A verifier remembers the password hash it was derived with; if the password changed by any
other route (raw SQL), the verifier no longer counts and SCRAM fails until one of the above.
A user that never logged in since this existed (no verifier) gets 403 from SCRAM, like a wrong
password; `Bearer <API token>` works for everyone regardless.
"""

import threading
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db.models.signals import post_save

from ..models import ScramCredential
from . import scram


def scram_iterations():
    return int(getattr(settings, "HSIM_SCRAM_ITERATIONS", 10_000))


def store_verifier(user, verifier):
    credential, _ = ScramCredential.objects.update_or_create(
        user=user,
        defaults={
            "salt": scram.b64encode(verifier.salt),
            "iterations": verifier.iterations,
            "stored_key": scram.b64encode(verifier.stored_key),
            "server_key": scram.b64encode(verifier.server_key),
            "password_hash": user.password,
        },
    )
    return credential


def store(user, raw_password):
    """Derive and store the user's verifier from `raw_password` (an unusable one: drop it)."""
    if raw_password is None or not user.has_usable_password():
        ScramCredential.objects.filter(user=user).delete()
        return None
    return store_verifier(user, scram.derive_verifier(raw_password, iterations=scram_iterations()))


def verifier_of(user):
    """The user's current Verifier, or None (no verifier, or one of an older password)."""
    credential = ScramCredential.objects.filter(user=user).first()
    if credential is None or credential.password_hash != user.password:
        return None
    return scram.Verifier(
        salt=scram.b64decode(credential.salt),
        iterations=credential.iterations,
        stored_key=scram.b64decode(credential.stored_key),
        server_key=scram.b64decode(credential.server_key),
    )


class ScramCredentialHook:
    """A no-op password validator whose `password_changed` stores the SCRAM verifier."""

    def validate(self, password, user=None):
        return None

    def password_changed(self, password, user=None):
        if user is not None and user.pk is not None:
            store(user, password)

    def get_help_text(self):
        return ""


class ScramDerivingBackend(ModelBackend):
    """Django's model backend, deriving a missing SCRAM verifier at a password login."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and password is not None and verifier_of(user) is None:
            store(user, password)
        return user


_RECENT_LIMIT = 64
_recent = OrderedDict()  # Django hash -> Verifier of the same password, newest last
_recent_lock = threading.Lock()


class ScramPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 hasher (same algorithm name, same hashes) that also derives the
    SCRAM verifier of each password it hashes, for `_store_on_save` to pick up."""

    def encode(self, password, salt, iterations=None):
        encoded = super().encode(password, salt, iterations)
        verifier = scram.derive_verifier(password, iterations=scram_iterations())
        with _recent_lock:
            _recent[encoded] = verifier
            _recent.move_to_end(encoded)
            while len(_recent) > _RECENT_LIMIT:
                _recent.popitem(last=False)
        return encoded


def _store_on_save(sender, instance, **kwargs):
    with _recent_lock:
        verifier = _recent.pop(instance.password, None)
    if verifier is None or instance.pk is None:
        return
    current = ScramCredential.objects.filter(user=instance).values_list(
        "password_hash", flat=True).first()
    if current != instance.password:
        store_verifier(instance, verifier)


post_save.connect(_store_on_save, sender=get_user_model(), dispatch_uid="hsim-scram-on-save")
