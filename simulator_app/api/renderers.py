"""The browsable API's renderer, safe for views that list without a queryset.

DRF's BrowsableAPIRenderer asks every GenericAPIView that answers a list for its queryset, to
render filter forms, and asserts when the view has none (a 500 for a browser, while JSON
clients never notice: it happened to /simulator/activity/{id}). hsim's lists come from
services, not querysets, and no view has filter backends, so there is no form to render.
"""

from django.utils.html import escape
from rest_framework.renderers import BrowsableAPIRenderer

from .csp import allow_inline_styles


class SafeBrowsableAPIRenderer(BrowsableAPIRenderer):
    def get_filter_form(self, data, view, request):
        if not getattr(view, "filter_backends", None):
            return None  # nothing to render: do not ask the view for a queryset
        return super().get_filter_form(data, view, request)

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        # The page's one inline <style> (pygments CSS, autoescaped by the template) is allowed
        # by its hash under the site's CSP (api/csp.py).
        response = renderer_context.get("response")
        if context.get("code_style") and response is not None:
            allow_inline_styles(response, [escape(context["code_style"])])
        return context
