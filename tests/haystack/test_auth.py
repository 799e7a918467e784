"""Haystack authentication (docHaystack Auth) against the real server: SCRAM-SHA-256 with
hsim's Django users, tokens that expire, API tokens as Bearer, and org isolation."""

import base64
import hashlib
import hmac
import re
from datetime import timedelta

import pytest
import requests
from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone
from phable import open_haystack_client
from phable.auth.scram import AuthError, ScramScheme

from simulator_app.models import HaystackAuthToken

from .conftest import PASSWORD, commit_sql

pytestmark = pytest.mark.django_db

ZINC = {"Accept": "text/zinc"}


def b64(data):
    return base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()


def unb64(text):
    return base64.b64decode(text + "=" * (-len(text) % 4))


def field(header, name):
    match = re.search(rf"{name}=([^,\s]+)", header, re.I)
    return match.group(1) if match else None


class Login:
    """A client's side of the exchange, written from RFC 5802 (not hsim's module)."""

    def __init__(self, root, username, password, nonce="a1b2c3d4e5f6a7b8c9d0e1f2"):
        self.root, self.username, self.password, self.nonce = root, username, password, nonce

    def hello(self):
        response = requests.get(f"{self.root}/about", headers={
            "Authorization": f"HELLO username={b64(self.username).rstrip('=')}"})
        self.handshake = field(response.headers.get("WWW-Authenticate", ""), "handshakeToken")
        return response

    def first(self):
        self.bare = f"n={self.username},r={self.nonce}"
        response = requests.get(f"{self.root}/about", headers={
            "Authorization": f"SCRAM data={b64('n,,' + self.bare)}, "
                             f"handshakeToken={self.handshake}"})
        self.server_first = unb64(field(response.headers["WWW-Authenticate"], "data")).decode()
        return response

    def final(self, tamper=False):
        attrs = dict(part.split("=", 1) for part in self.server_first.split(","))
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), unb64(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        auth_message = f"{self.bare},{self.server_first},{without_proof}".encode()
        signature = hmac.new(stored, auth_message, "sha256").digest()
        proof = bytearray(a ^ b for a, b in zip(client_key, signature))
        if tamper:
            proof[0] ^= 1
        return requests.get(f"{self.root}/about", headers={
            "Authorization": f"SCRAM data={b64(without_proof + ',p=' + b64(bytes(proof)))}, "
                             f"handshakeToken={self.handshake}"})


def test_a_request_without_credentials_answers_401_and_no_data(root):
    response = requests.get(f"{root}/read", params={"filter": "site"}, headers=ZINC)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].upper().startswith("HELLO")
    assert "Annex" not in response.text


def test_the_exchange_keeps_one_handshake_token_in_the_standard_alphabet(root):
    login = Login(root, "alice", PASSWORD)
    hello = login.hello()
    assert hello.status_code == 401
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", login.handshake)
    first = login.first()
    assert first.status_code == 401
    assert field(first.headers["WWW-Authenticate"], "handshakeToken") == login.handshake
    assert re.fullmatch(r"r=a1b2c3d4e5f6a7b8c9d0e1f2[^,]+,s=[A-Za-z0-9+/=]+,i=\d+",
                        login.server_first)
    final = login.final()
    assert final.status_code == 200
    info = final.headers["Authentication-Info"]
    assert field(info, "authToken") and field(info, "hash") == "SHA-256"
    assert "Annex" not in final.text or "whoami" in final.text


def test_phable_with_a_wrong_password_is_refused_with_403(root):
    with pytest.raises(AuthError):
        ScramScheme(root, "alice", "wrong-password", "text/zinc").get_auth_token()
    login = Login(root, "alice", "wrong-password")
    login.hello(), login.first()
    response = login.final()
    assert response.status_code == 403
    assert "authToken" not in response.headers.get("Authentication-Info", "")


def test_an_unknown_user_is_challenged_like_a_known_one_and_then_refused(root):
    known, unknown = Login(root, "alice", PASSWORD), Login(root, "nobody", PASSWORD)
    assert known.hello().status_code == unknown.hello().status_code == 401
    assert unknown.first().status_code == 401
    assert re.fullmatch(r"r=[^,]+,s=[A-Za-z0-9+/=]+,i=\d+", unknown.server_first)
    again = Login(root, "nobody", PASSWORD)
    again.hello(), again.first()
    assert again.server_first.split(",")[1] == unknown.server_first.split(",")[1]  # stable salt
    assert unknown.final().status_code == 403


def test_a_tampered_proof_is_refused_and_the_handshake_is_spent(root):
    login = Login(root, "alice", PASSWORD)
    login.hello(), login.first()
    assert login.final(tamper=True).status_code == 403
    assert login.final().status_code == 403  # one proof per handshake: no second try


def test_scram_tokens_expire_and_an_expired_one_answers_401(root, settings):
    token = ScramScheme(root, "alice", PASSWORD, "text/zinc").get_auth_token()
    headers = {**ZINC, "Authorization": f"BEARER authToken={token}"}
    assert requests.get(f"{root}/about", headers=headers).status_code == 200
    row = HaystackAuthToken.objects.get(key_hash=hashlib.sha256(token.encode()).hexdigest())
    ttl = timedelta(seconds=settings.HSIM_HAYSTACK_TOKEN_TTL_SECONDS)
    assert abs(row.expires_at - (timezone.now() + ttl)) < timedelta(minutes=5)
    commit_sql("UPDATE simulator_app_haystackauthtoken SET expires_at = now() - interval '1 s'"
               " WHERE id = %s", (row.id,))
    response = requests.get(f"{root}/read", params={"filter": "site"}, headers=headers)
    assert response.status_code == 401
    assert "Annex" not in response.text


def test_close_revokes_the_token(root):
    token = ScramScheme(root, "alice", PASSWORD, "text/zinc").get_auth_token()
    headers = {**ZINC, "Authorization": f"Bearer authToken={token}"}
    assert requests.post(f"{root}/close", headers=headers).status_code == 200
    assert requests.get(f"{root}/about", headers=headers).status_code == 401


def test_an_invented_token_answers_401(root):
    response = requests.get(f"{root}/about",
                            headers={**ZINC, "Authorization": "BEARER authToken=abc123"})
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer {t}", "bearer {t}", "BEARER authToken={t}"])
def test_an_api_token_works_as_bearer(root, building, header):
    response = requests.get(f"{root}/read", params={"filter": "site"},
                            headers={**ZINC, "Authorization": header.format(t=building.api_token)})
    assert response.status_code == 200 and "Annex" in response.text


def test_another_orgs_project_answers_as_if_it_did_not_exist(root, server, building):
    with open_haystack_client(f"{server.origin}/haystack/{building.other_org.key}", "mallory",
                              PASSWORD, content_type="zinc") as mallory:
        assert mallory.about()["whoami"] == "mallory"
        token = mallory._auth_token
        headers = {**ZINC, "Authorization": f"BEARER authToken={token}"}
        foreign = requests.get(f"{root}/read", params={"filter": "site"}, headers=headers)
        missing = requests.get(f"{server.origin}/haystack/nosuchorg/read",
                               params={"filter": "site"}, headers=headers)
        assert foreign.status_code == missing.status_code == 404
        assert "Annex" not in foreign.text
        assert foreign.text.replace(building.org.key, "K") == missing.text.replace(
            "nosuchorg", "K")


def test_a_user_without_a_verifier_gets_one_at_a_django_password_login(root, building):
    bob_login = Login(root, "bob", PASSWORD)
    bob_login.hello(), bob_login.first()
    assert bob_login.final().status_code == 403  # created before verifiers existed
    assert authenticate(username="bob", password=PASSWORD) is not None  # e.g. the admin
    # the verifier is stored in this test's transaction: check it, the server cannot see it
    from simulator_app.haystack.credentials import verifier_of

    assert verifier_of(get_user_model().objects.get(username="bob")) is not None


def test_setting_a_password_stores_a_verifier_that_checks_the_new_password():
    from simulator_app.haystack import scram
    from simulator_app.haystack.credentials import verifier_of

    user = get_user_model().objects.create_user("carol", password="first-password")
    first = verifier_of(user)
    user.set_password("second-password")
    user.save()
    second = verifier_of(user)
    assert first is not None and second is not None and second.salt != first.salt
    expected = scram.derive_verifier("second-password", second.salt, second.iterations)
    assert (second.stored_key, second.server_key) == (expected.stored_key, expected.server_key)
    user.set_unusable_password()
    user.save()
    assert verifier_of(user) is None


@pytest.mark.parametrize("header", [
    "HELLO username=" + b64("x" * 5000),
    "HELLO username=***",
    "HELLO",
    "SCRAM data=%%%, handshakeToken=abc",
    "SCRAM data=" + b64("n,,n=alice,r=abc") + ", handshakeToken=nosuchtoken",
    "SCRAM handshakeToken=",
    "Negotiate abc",
    "BEARER",
    "\u00e9\u00e9",
])
def test_malformed_authorization_never_answers_5xx_nor_data(root, header):
    response = requests.get(f"{root}/read", params={"filter": "site"},
                            headers={**ZINC, "Authorization": header.encode("utf-8")})
    assert response.status_code in (400, 401, 403), response.text
    assert "Annex" not in response.text
