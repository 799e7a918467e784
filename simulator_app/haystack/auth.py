"""The Haystack auth protocol (docHaystack Auth) over HTTP headers, backed by the database.

    no Authorization            401  WWW-Authenticate: HELLO
    HELLO username=<b64>        401  WWW-Authenticate: SCRAM handshakeToken=<t>, hash=SHA-256
    SCRAM data=<client-first>   401  WWW-Authenticate: SCRAM data=<server-first>,
                                     handshakeToken=<t>, hash=SHA-256
    SCRAM data=<client-final>   200  Authentication-Info: authToken=<a>, hash=SHA-256,
                                     data=<server-final>  (and the op's answer)
    bad proof, unknown user     403
    BEARER authToken=<a>        the op; 401 when the token is unknown or expired

`Bearer <key>` with one of hsim's API tokens is accepted too. The handshakeToken is the same
for the whole exchange and every token is hex, so no client trips over the base64 alphabet.
An unknown user gets a challenge like anyone else (a salt derived from the name), so HELLO
tells nobody which users exist; the proof then fails with 403.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.utils import timezone

from ..models import HaystackAuthToken, ScramHandshake
from ..services.tokens import user_for_token  # hashed API tokens
from . import credentials, scram

HANDSHAKE_SECONDS = 300
MAX_USERNAME = 150  # Django's username length
MAX_PENDING_HANDSHAKES = 20  # per username: HELLO floods cannot grow the table without bound


@dataclass
class AuthResult:
    """What the view does next: run the op as `user`, or answer `status` with `headers`."""

    user: object = None
    status: int = 200
    headers: dict = None
    message: str = ""
    token_hash: str = None  # the Haystack token the request used (close revokes it)

    @property
    def ok(self):
        return self.user is not None


def challenge(status, message, **headers):
    return AuthResult(status=status, headers=headers, message=message)


def token_ttl():
    return timedelta(seconds=int(getattr(settings, "HSIM_HAYSTACK_TOKEN_TTL_SECONDS", 86400)))


_SCHEME = re.compile(r"^\s*([A-Za-z-]+)\s*(.*)$", re.S)


def parse_header(header):
    """'SCRAM data=abc, handshakeToken=xyz' -> ('scram', {'data': 'abc', 'handshaketoken': ..})
    Names are lower-cased (clients differ in case); a bare value is returned under ''."""
    match = _SCHEME.match(header or "")
    if not match:
        return "", {}
    scheme, rest = match.group(1).lower(), match.group(2).strip()
    params = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" in part and re.match(r"^[A-Za-z]+=", part):
            name, value = part.split("=", 1)
            params[name.strip().lower()] = value.strip()
        else:
            params[""] = part
    return scheme, params


def authenticate(header, request=None):
    """`request` (the HTTP request) puts SCRAM proofs under the admin's login lockout."""
    scheme, params = parse_header(header)
    if scheme == "" or not header:
        return challenge(401, "authentication required", **{"WWW-Authenticate": "HELLO"})
    if scheme == "hello":
        return hello(params.get("username", ""))
    if scheme == "scram":
        return scram_step(params.get("handshaketoken", ""), params.get("data", ""), request)
    if scheme == "bearer":
        return bearer(params.get("authtoken") or params.get(""))
    return challenge(401, f"unsupported auth scheme {scheme!r}",
                     **{"WWW-Authenticate": "HELLO"})


def _decode_text(value):
    try:
        return scram.b64decode(value).decode("utf-8")
    except (scram.ScramError, UnicodeDecodeError):
        return None


def hello(username_b64):
    username = _decode_text(username_b64)
    if not username or len(username) > MAX_USERNAME:
        return challenge(400, f"HELLO needs a base64 username (at most {MAX_USERNAME} characters)")
    now = timezone.now()
    ScramHandshake.objects.filter(expires_at__lt=now).delete()
    pending = ScramHandshake.objects.filter(username=username).order_by("-expires_at")
    stale = list(pending.values_list("id", flat=True)[MAX_PENDING_HANDSHAKES - 1:])
    if stale:
        ScramHandshake.objects.filter(id__in=stale).delete()
    handshake = ScramHandshake.objects.create(
        token=secrets.token_hex(24), username=username,
        expires_at=now + timedelta(seconds=HANDSHAKE_SECONDS),
    )
    return challenge(401, "continue with SCRAM", **{
        "WWW-Authenticate": f"SCRAM handshakeToken={handshake.token}, hash={scram.HASH}"
    })


def _user_named(username):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    return user


def _fake_verifier(username):
    """A stable challenge for a user that does not exist: same salt for the same name."""
    key = settings.SECRET_KEY.encode()
    salt = hmac.new(key, b"hsim-scram-salt:" + username.encode(), hashlib.sha256).digest()[:16]
    return scram.Verifier(salt, credentials.scram_iterations(), secrets.token_bytes(32),
                          secrets.token_bytes(32))


def scram_step(token, data, request=None):
    message = _decode_text(data)
    if not token or message is None:
        return challenge(400, "SCRAM needs handshakeToken and base64 data")
    with transaction.atomic():
        handshake = (ScramHandshake.objects.select_for_update()
                     .filter(token=token, expires_at__gte=timezone.now()).first())
        if handshake is None:
            return challenge(403, "unknown or expired handshake")
        user = _user_named(handshake.username)
        verifier = (credentials.verifier_of(user) if user else None) \
            or _fake_verifier(handshake.username)
        if not handshake.server_first:
            return _server_first(handshake, message, verifier)
        handshake.delete()  # one proof per handshake: a replayed final message finds nothing
        credentials_ = {"username": handshake.username}
        if request is not None and not AxesProxyHandler.is_allowed(request, credentials_):
            # The admin login's lockout (django-axes) holds here too: SCRAM would otherwise
            # be a way to guess passwords without limit.
            return challenge(429, "too many failed logins: try again later")
        try:
            server_final = scram.verify_client_final(
                handshake.client_first_bare, handshake.server_first, message.strip(), verifier)
        except scram.ScramError:
            server_final = None
        if server_final is None or user is None:
            if request is not None:
                user_login_failed.send(sender=__name__, credentials=credentials_,
                                       request=request)
            return challenge(403, "authentication failed")
        if request is not None:
            user_logged_in.send(sender=user.__class__, request=request, user=user)  # resets
        raw = secrets.token_hex(32)
        HaystackAuthToken.objects.filter(expires_at__lt=timezone.now()).delete()
        HaystackAuthToken.objects.create(
            key_hash=hash_token(raw), user=user, expires_at=timezone.now() + token_ttl()
        )
    result = AuthResult(user=user, token_hash=hash_token(raw), headers={
        "Authentication-Info": (f"authToken={raw}, hash={scram.HASH}, "
                                f"data={scram.b64encode(server_final.encode())}")
    })
    return result


def _server_first(handshake, message, verifier):
    try:
        username, client_nonce, bare = scram.parse_client_first(message.strip())
    except scram.ScramError as exc:
        handshake.delete()
        return challenge(403, f"authentication failed: {exc}")
    if username != handshake.username:
        handshake.delete()
        return challenge(403, "authentication failed")
    first = scram.server_first(client_nonce, verifier, server_nonce=secrets.token_hex(16))
    handshake.client_first_bare, handshake.server_first = bare, first
    handshake.save(update_fields=["client_first_bare", "server_first"])
    return challenge(401, "continue with SCRAM", **{
        # data first: pyhaystack reads this header's fields by position
        "WWW-Authenticate": (f"SCRAM data={scram.b64encode(first.encode())}, "
                             f"handshakeToken={handshake.token}, hash={scram.HASH}")
    })


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def bearer(raw):
    if not raw:
        return challenge(401, "missing token", **{"WWW-Authenticate": "HELLO"})
    row = (HaystackAuthToken.objects.select_related("user")
           .filter(key_hash=hash_token(raw), expires_at__gt=timezone.now()).first())
    if row is not None and row.user.is_active:
        return AuthResult(user=row.user, token_hash=row.key_hash)
    user = api_token_user(raw)
    if user is not None and user.is_active:
        return AuthResult(user=user)
    return challenge(401, "invalid or expired token", **{"WWW-Authenticate": "HELLO"})


def api_token_user(raw):
    """The user of one of hsim's REST API tokens (the same keys `Bearer <key>` opens there)."""
    return user_for_token(raw)


def revoke(token_hash):
    if token_hash:
        HaystackAuthToken.objects.filter(key_hash=token_hash).delete()
