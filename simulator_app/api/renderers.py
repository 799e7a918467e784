"""The browsable API's renderer, safe for views that list without a queryset.

DRF's BrowsableAPIRenderer asks every GenericAPIView that answers a list for its queryset, to
render filter forms, and asserts when the view has none (a 500 for a browser, while JSON
clients never notice: it happened to /simulator/activity/{id}). hsim's lists come from
services, not querysets, and no view has filter backends, so there is no form to render.
"""

from rest_framework.renderers import BrowsableAPIRenderer


class SafeBrowsableAPIRenderer(BrowsableAPIRenderer):
    def get_filter_form(self, data, view, request):
        if not getattr(view, "filter_backends", None):
            return None  # nothing to render: do not ask the view for a queryset
        return super().get_filter_form(data, view, request)
