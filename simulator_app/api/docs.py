"""Swagger UI under the site's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY).

drf-spectacular's split view serves the page's init script from a URL ('self') instead of
inline; the page's one inline <style> block is allowed by its hash, computed from the
installed template so an upgrade of drf-spectacular keeps it right.
"""

import re
from pathlib import Path

import drf_spectacular
from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

from .csp import style_hash_source

TEMPLATE = Path(drf_spectacular.__file__).parent / "templates/drf_spectacular/swagger_ui.html"


def inline_style_sources(template=TEMPLATE):
    """CSP hash sources of the template's inline <style> blocks."""
    blocks = re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.S)
    return [style_hash_source(b) for b in blocks]


class SwaggerUIView(SpectacularSwaggerSplitView):
    # An HTML page only: DRF answers OPTIONS with metadata, which the view's HTML-template
    # renderer cannot render (a 500); 405 instead.
    http_method_names = ["get", "head"]


swagger_ui = csp_update({"style-src": inline_style_sources()})(
    SwaggerUIView.as_view(url_name="schema")
)
