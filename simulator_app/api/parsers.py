"""The API's JSON parser: DRF's, with bounded nesting and a per-view body size.

DRF's JSONParser turns only ValueError into a 400; the decoder's RecursionError (JSON nested
~1,000 deep) escaped it as a 500. Here every malformed, too deeply nested or too large body
is a ParseError / 413 in the one error shape.

Size: Django reads the body first and refuses past DATA_UPLOAD_MAX_MEMORY_SIZE (set to the
largest body any endpoint takes, HSIM_BULK_MAX_BYTES: see settings.py); each view then takes
at most its own `max_body_bytes` (default HSIM_API_MAX_BYTES), so only /bulk/value reads the
large batches it is documented to take.
"""

import codecs

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from ..services import json_text
from .errors import PayloadTooLarge


def body_limit(view):
    return getattr(view, "max_body_bytes", None) or settings.HSIM_API_MAX_BYTES


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = body_limit(parser_context.get("view"))
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            # STRICT_JSON (DRF's default): NaN and Infinity are not JSON.
            return json_text.loads(text, parse_constant=strict_constant if self.strict else None)
        except json_text.JSONInputError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
