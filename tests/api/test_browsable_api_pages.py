"""Every URL of the project answers a browser (Accept: text/html) with a page or a 4xx, never
a 500: the browsable API renders forms and filters that JSON clients never ask for (the
activity view had no queryset for them). The test walks the URL patterns themselves, so a
view added later is covered without touching this file."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from simulator_app.models import BackfillJob

from .conftest import client_for, make_user

SKIP = ("admin/", "static/")  # the admin has its own tests; static files are not views
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def routes(patterns=None, prefix=""):
    """(route text, pattern name) of every URL, with <converter:name> placeholders."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        text = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if text.startswith(SKIP):
            continue
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, text)
        elif isinstance(entry, URLPattern):
            yield text, entry.name


def fill(route, candidates):
    """Every URL `route` yields with each int parameter set to each candidate id (the ids of
    different objects differ, so each kind of object is tried), others to a plain word."""
    if "(?P<" in route or "\\" in route:
        return []  # a regex route: none in the API today
    urls = [route]
    for match in PARAM.finditer(route):
        values = candidates if match.group("conv") in ("int", None, "") else ["about"]
        urls = [u.replace(match.group(0), str(v), 1) for u in urls for v in values]
    return ["/" + u for u in urls]


@pytest.fixture
def candidates(org, simulator):
    job = BackfillJob.objects.create(simulator_id=simulator.poller_id, start=simulator.created_at,
                                     end=simulator.created_at)
    return sorted({simulator.poller_id, org.id, job.id, 999999})


@pytest.mark.parametrize("who", ["member", "staff", "anonymous"])
def test_every_page_answers_a_browser_with_a_page_or_a_4xx(org, member, candidates, who):
    client = {"member": lambda: client_for(member),
              "staff": lambda: client_for(make_user("root", staff=True)),
              "anonymous": lambda: client_for(None)}[who]()
    client.raise_request_exception = False  # a crash must show as the 500 it would be
    seen, failures = 0, []
    for route, name in routes():
        for url in fill(route, candidates):
            response = client.get(url, HTTP_ACCEPT="text/html")
            seen += 1
            if response.status_code >= 500:
                failures.append((url, name, response.status_code))
    assert seen > 20  # the walk found the API's routes
    assert failures == []


def test_every_page_answers_options_without_a_500(api, candidates):
    """OPTIONS describes a view from its serializers (DRF's metadata), another path JSON
    clients rarely take."""
    api.raise_request_exception = False
    codes = {url: api.options(url).status_code for route, _ in routes()
             for url in fill(route, candidates[:2])}
    assert len(codes) > 20
    assert {url: code for url, code in codes.items() if code >= 500} == {}


def test_the_activity_log_renders_in_the_browsable_api(api, simulator):
    response = api.get(f"/simulator/activity/{simulator.poller_id}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
    assert b"Activity" in response.content
