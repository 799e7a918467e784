"""SCRAM-SHA-256 (RFC 5802, RFC 7677) server-side primitives, free of Django and HTTP.

The Haystack auth spec wraps these messages in HTTP headers (haystack/auth.py); here are only
the messages and the keys. Tested with RFC 7677's example exchange.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

HASH = "SHA-256"
KEY_BYTES = 32


class ScramError(ValueError):
    """A malformed message or a proof that does not verify."""


@dataclass(frozen=True)
class Verifier:
    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes


def b64encode(data):
    """Standard-alphabet base64 with padding (what every client decodes)."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text):
    """Either alphabet, padded or not (phable sends unpadded; some send URL-safe)."""
    text = (text or "").strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ScramError("not base64") from exc


def hmac_sha256(key, message):
    return hmac.new(key, message, hashlib.sha256).digest()


def salted_password(password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations, KEY_BYTES)


def derive_verifier(password, salt=None, iterations=10_000):
    """StoredKey and ServerKey of a password (RFC 5802 section 3)."""
    salt = os.urandom(16) if salt is None else salt
    salted = salted_password(password, salt, iterations)
    client_key = hmac_sha256(salted, b"Client Key")
    return Verifier(
        salt=salt,
        iterations=iterations,
        stored_key=hashlib.sha256(client_key).digest(),
        server_key=hmac_sha256(salted, b"Server Key"),
    )


def parse_attributes(message):
    """'n=user,r=abc,...' -> {'n': 'user', 'r': 'abc'}; values may contain '='."""
    attrs = {}
    for part in message.split(","):
        if len(part) < 2 or part[1] != "=":
            raise ScramError(f"malformed SCRAM attribute {part!r}")
        attrs[part[0]] = part[2:]
    return attrs


_PRINTABLE_NONCE = re.compile(r"^[\x21-\x2b\x2d-\x7e]+$")  # printable ASCII except ','


def parse_client_first(message):
    """The client-first-message -> (username, client nonce, client-first-message-bare)."""
    if not message.startswith(("n,", "y,")):
        raise ScramError("channel binding is not supported (gs2 header must be n,, or y,,)")
    try:
        _, _authzid, bare = message.split(",", 2)
    except ValueError as exc:
        raise ScramError("malformed client-first-message") from exc
    attrs = parse_attributes(bare)
    if "n" not in attrs or "r" not in attrs or not _PRINTABLE_NONCE.match(attrs["r"]):
        raise ScramError("client-first-message needs n= and a printable r=")
    username = attrs["n"].replace("=2C", ",").replace("=3D", "=")
    return username, attrs["r"], bare


def server_first(client_nonce, verifier, server_nonce=None):
    """The server-first-message, exactly r=...,s=...,i=... (phable parses it positionally)."""
    server_nonce = server_nonce or b64encode(os.urandom(18))
    return (
        f"r={client_nonce}{server_nonce},s={b64encode(verifier.salt)},i={verifier.iterations}"
    )


def verify_client_final(client_first_bare, server_first_message, client_final, verifier):
    """Check the proof; return the server-final-message (v=ServerSignature) or raise."""
    attrs = parse_attributes(client_final)
    if "c" not in attrs or "r" not in attrs or "p" not in attrs:
        raise ScramError("client-final-message needs c=, r= and p=")
    if attrs["r"] != parse_attributes(server_first_message)["r"]:
        raise ScramError("nonce mismatch")
    without_proof = client_final[: client_final.rindex(",p=")]
    auth_message = f"{client_first_bare},{server_first_message},{without_proof}".encode()
    client_signature = hmac_sha256(verifier.stored_key, auth_message)
    proof = b64decode(attrs["p"])
    if len(proof) != KEY_BYTES:
        raise ScramError("proof has the wrong length")
    client_key = bytes(a ^ b for a, b in zip(proof, client_signature))
    if not hmac.compare_digest(hashlib.sha256(client_key).digest(), verifier.stored_key):
        raise ScramError("proof does not verify")
    return "v=" + b64encode(hmac_sha256(verifier.server_key, auth_message))
