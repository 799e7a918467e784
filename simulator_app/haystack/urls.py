"""Haystack routes. `/api/<project>/<op>` matches only the Haystack op names, so the REST
API's `/api/schema/`, `/api/docs/`, `/api/simulators/`, `/api/orgs/` never reach it."""

from django.urls import re_path

from . import views
from .ops import OPS

_OP_NAMES = "|".join(sorted(OPS))

urlpatterns = [
    re_path(r"^haystack/(?P<org_key>[^/]+)/(?P<op>[A-Za-z]+)/?$", views.haystack_op,
            name="haystack-op"),
    re_path(rf"^api/(?P<org_key>[^/]+)/(?P<op>{_OP_NAMES})/?$", views.haystack_op,
            name="haystack-project-op"),
]
