"""A filter whose last comparison has no value (`site ==`) is a bad filter: an error grid,
as every other malformed filter is, not an empty answer (rusty-haystack reads the missing
value as Null, which the filter grammar does not have)."""

import hszinc
import pytest
import requests
from phable.auth.scram import ScramScheme

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def session(root):
    s = requests.Session()
    token = ScramScheme(root, "alice", PASSWORD, "text/zinc").get_auth_token()
    s.headers["Authorization"] = f"BEARER authToken={token}"
    return s


def read(session, root, text):
    response = session.get(f"{root}/read", params={"filter": text},
                           headers={"Accept": "text/zinc"})
    assert response.status_code == 200
    return hszinc.parse(response.text, mode=hszinc.MODE_ZINC)


@pytest.mark.parametrize("text", ["site ==", "site != ", "point and curVal >",
                                  "siteRef->area <="])
def test_a_comparison_without_a_value_answers_an_error_grid(session, root, text):
    grid = read(session, root, text)
    assert "err" in grid.metadata, grid
    assert "needs a value" in grid.metadata["dis"]


def test_a_string_value_ending_like_an_operator_is_still_a_value(session, root):
    grid = read(session, root, 'dis == "a =="')
    assert "err" not in grid.metadata and len(grid) == 0
    assert len(read(session, root, "site")) == 1
