"""Hash sources for the few inline <style> blocks third-party pages carry (CSP level 2).

The site's policy (settings.CONTENT_SECURITY_POLICY) allows no inline style; a page that
renders a fixed block adds exactly that block's hash to its own response.
"""

import base64
import hashlib


def style_hash_source(text):
    digest = hashlib.sha256(text.encode()).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def allow_inline_styles(response, blocks):
    """Let `response` (an HttpResponse) apply the given inline <style> blocks (django-csp)."""
    update = dict(getattr(response, "_csp_update", None) or {})
    update["style-src"] = list(update.get("style-src", [])) + [style_hash_source(b) for b in blocks]
    response._csp_update = update
    return response
