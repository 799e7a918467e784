"""Fixtures for the API's contract tests: two orgs, users with every kind of access, a small
building (18 entities, ~70 points: provisioning takes a fraction of the default's time)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

from simulator_app import engine
from simulator_app.models import (
    ActivityLog, Entity, OrgMembership, PollerConfig, SimulatorState,
)
from simulator_app.services.orgs import create_org
from simulator_app.services.tokens import issue_token
from simulator_app.services.simulators import create_simulator

SMALL_BUILDING = {
    "site": {"name": "Annex", "floors": 1},
    "equipment": {
        "ahu_count": 1, "zone_orientations": ["north"],
        "chillers": {"count": 1}, "boilers": {"count": 1},
    },
}
SMALL_BUILDING_POINTS = len(engine.catalogue(engine.parse_spec(SMALL_BUILDING)).points)


def clear_hsim_cache():
    """Forget hsim's cache keys. Not cache.clear(): on Redis (the default where the broker is
    redis://) that flushes the whole database, which another run's broker may be using."""
    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):  # RedisCache
        client = cache._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i:i + 1000])
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counters live in the cache; every test starts with none."""
    clear_hsim_cache()
    yield
    clear_hsim_cache()


@pytest.fixture
def org(db, unique_key):
    return create_org(unique_key("api"))


@pytest.fixture
def other_org(db, unique_key):
    return create_org(unique_key("oth"))


def make_user(name, org=None, role=OrgMembership.MEMBER, staff=False):
    # No password: the API authenticates with tokens, and hashing one costs a tenth of a second.
    user = get_user_model().objects.create_user(name, password=None, is_staff=staff)
    if org is not None:
        OrgMembership.objects.create(user=user, org=org, role=role)
    return user


def client_for(user, keyword="Token"):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"{keyword} {issue_token(user)}")
    return client


@pytest.fixture
def member(org):
    return make_user("member", org)


@pytest.fixture
def api(member):
    """A client authenticated as a member of `org`."""
    return client_for(member)


@pytest.fixture
def clients(org, other_org, member):
    """The auth matrix: no token, another org's member, a viewer of the org, a member, staff."""
    return {
        "anonymous": APIClient(),
        "outsider": client_for(make_user("outsider", other_org)),
        "viewer": client_for(make_user("viewer", org, role=OrgMembership.VIEWER)),
        "member": client_for(member),
        "staff": client_for(make_user("staff", staff=True)),
    }


@pytest.fixture
def simulator(org):
    return create_simulator(org, "Annex", SMALL_BUILDING, 15)


def counts():
    """Row counts of every table a bad request could touch."""
    return {
        "pollers": PollerConfig.objects.count(),
        "states": SimulatorState.objects.count(),
        "entities": Entity.objects.count(),
        "activity": ActivityLog.objects.count(),
    }


def assert_error(response, status, field=None, text=None):
    """The one error shape, with the status, the field and a message that says something."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert all(isinstance(m, str) and m for m in body["errors"][field])
    if text is not None:
        blob = (body["detail"] + " " + " ".join(
            m for ms in body["errors"].values() for m in ms)).lower()
        assert text.lower() in blob, body
    return body
