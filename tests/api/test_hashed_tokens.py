"""API tokens are stored hashed: both header keywords work, the database and the admin never
hold or show a usable token, and tokens issued before the change keep working."""

import secrets

import pytest
from django.apps import apps
from django.db import connection
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from simulator_app.services.tokens import issue_token, replace_tokens, user_for_token

from .conftest import make_user


def client_with(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_a_token_is_stored_only_as_its_digest(member):
    raw = issue_token(member)
    stored = AuthToken.objects.get(user=member)
    assert stored.digest == hash_token(raw) and stored.expiry is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        cells = [str(v) for row in cursor.fetchall() for v in row]
    assert not any(raw in cell for cell in cells)


def test_one_token_works_under_both_keywords_and_a_wrong_one_under_neither(member):
    raw = issue_token(member)
    for keyword in ("Token", "Bearer"):
        assert client_with(f"{keyword} {raw}").get("/api/orgs/").status_code == 200
        wrong = raw[:-1] + ("0" if raw[-1] != "0" else "1")
        assert client_with(f"{keyword} {wrong}").get("/api/orgs/").status_code == 401
        assert client_with(f"{keyword} {raw} extra").get("/api/orgs/").status_code == 401
        assert client_with(keyword).get("/api/orgs/").status_code == 401


def test_a_header_that_is_not_ascii_is_a_401_not_a_500(member):
    client = APIClient()
    response = client.get("/api/orgs/", HTTP_AUTHORIZATION="Token caf\u00e9\u00ff")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_user_for_token_resolves_only_live_tokens_of_active_users(org):
    user = make_user("svc", org)
    raw = issue_token(user)
    assert user_for_token(raw) == user
    for bad in (None, "", raw[:-2], "x" * 5000, "\udcff" * 20, 42):
        assert user_for_token(bad) is None
    fresh = replace_tokens(user)
    assert user_for_token(raw) is None and user_for_token(fresh) == user
    user.is_active = False
    user.save()
    assert user_for_token(fresh) is None


def test_plaintext_tokens_from_before_are_hashed_by_the_migration_and_keep_working(member):
    migration = __import__("simulator_app.migrations.0005_hashed_tokens", fromlist=["x"])
    key = secrets.token_hex(20)  # DRF's format: 40 hex characters
    with connection.cursor() as cursor:  # DRF's table as an older hsim left it
        cursor.execute("CREATE TABLE IF NOT EXISTS authtoken_token (key varchar(40) PRIMARY KEY,"
                       " created timestamp with time zone NOT NULL, user_id integer NOT NULL)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [key, member.id])
    with connection.schema_editor() as editor:
        migration.hash_plaintext_tokens(apps, editor)
        migration.hash_plaintext_tokens(apps, editor)  # idempotent
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    assert AuthToken.objects.filter(user=member).count() == 1
    assert client_with(f"Bearer {key}").get("/api/orgs/").status_code == 200
    assert user_for_token(key) == member


@pytest.mark.django_db
def test_the_admin_shows_who_has_a_token_never_the_token(admin_client, org):
    user = make_user("poller-9", org)
    raw = issue_token(user)
    stored = AuthToken.objects.get(user=user)
    listing = admin_client.get("/admin/knox/authtoken/")
    assert listing.status_code == 200 and "poller-9" in listing.content.decode()
    change = admin_client.get(f"/admin/knox/authtoken/{stored.pk}/change/")
    assert change.status_code == 200
    for page in (listing, change):
        html = page.content.decode()
        assert raw[:8] not in html  # neither the token nor its lookup prefix
    assert admin_client.get("/admin/knox/authtoken/add/").status_code == 403
    assert admin_client.get("/admin/authtoken/").status_code == 404  # DRF's plaintext admin
    # Revoking from the admin works.
    deleted = admin_client.post(f"/admin/knox/authtoken/{stored.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302 and user_for_token(raw) is None
