"""Pagination: every list answers one bounded page.

- hsim's own lists (/api/simulators/, /api/orgs/, backfill jobs): `?limit=&offset=`, answered
  as {"count", "next", "previous", "results"} (DRF's LimitOffsetPagination envelope).
- The platform contract's lists (GET /org/{id}/poller, GET /poller): the same parameters, but
  the body stays the contract's JSON array; the total is in `X-Total-Count` and the other pages
  in an RFC 8288 `Link` header (rel="next"/"prev"), so the contract's clients keep parsing a
  list and a new one can follow the links.
- The activity log: by cursor (the log grows at the head while people page through it, and
  offsets would then repeat or skip events, as upstream's webapp did).

`limit` defaults to HSIM_API_PAGE_SIZE (contract lists: HSIM_API_MAX_PAGE_SIZE) and may not
exceed HSIM_API_MAX_PAGE_SIZE; a bad `limit` or `offset` is a 400 naming it, never silently
replaced by the default.
"""

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.response import Response

OFFSET_MAX = 2**63 - 1  # PostgreSQL's bigint: a larger OFFSET would be a database error


class ActivityPagination(CursorPagination):
    ordering = ("-timestamp", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class LimitOffsetPage(LimitOffsetPagination):
    """{"count", "next", "previous", "results"}, `?limit=&offset=`, validated strictly."""

    @property
    def max_limit(self):
        return settings.HSIM_API_MAX_PAGE_SIZE

    @property
    def default_limit(self):
        return min(settings.HSIM_API_PAGE_SIZE, self.max_limit)

    def get_limit(self, request):
        return parse(request, self.limit_query_param, self.default_limit, 1, self.max_limit)

    def get_offset(self, request):
        return parse(request, self.offset_query_param, 0, 0, OFFSET_MAX)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_limit)
                parameter["description"] = (
                    f"Items per page (default {self.default_limit}, at most {self.max_limit}).")
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=OFFSET_MAX)
        return parameters


class ContractListPage(LimitOffsetPage):
    """The platform's list contract: a bare JSON array; the page's place in headers."""

    @property
    def default_limit(self):
        return self.max_limit

    def get_paginated_response(self, data):
        headers = {"X-Total-Count": str(self.count)}
        links = [f'<{url}>; rel="{rel}"' for rel, url in
                 (("next", self.get_next_link()), ("prev", self.get_previous_link())) if url]
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema):
        return schema


def parse(request, name, default, low, high):
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip()) if raw.strip().lstrip("+-").isdigit() else None
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError({name: [f"must be a whole number from {low} to {high}"]})
    return value


def page_response(request, view, queryset, serializer_class, pagination_class=None):
    """One page of `queryset` (which must be ordered), with the view's (or the given)
    paginator: for APIViews and viewset actions alike."""
    paginator = (pagination_class or view.pagination_class)()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
