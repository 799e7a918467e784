"""URL names: the seed's simulator paths keep their names; the router's do not shadow them."""

from django.urls import reverse


def test_the_seed_path_names_reverse_to_the_seed_paths():
    for name in ("state", "start", "stop", "reset", "health", "backfill", "activity", "metrics"):
        assert reverse(f"simulator-{name}", args=[7]) == f"/simulator/{name}/7"


def test_the_router_resource_has_its_own_names():
    assert reverse("api-simulator-list") == "/api/simulators/"
    assert reverse("api-simulator-health", args=[7]) == "/api/simulators/7/health/"
