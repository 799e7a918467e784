"""Activity pagination by cursor: the log grows at the head while people page through it,
and offsets would then repeat or skip events (upstream's webapp did)."""

from rest_framework.pagination import CursorPagination


class ActivityPagination(CursorPagination):
    ordering = ("-timestamp", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
