"""The Haystack HTTP API's one view: `/haystack/{org_key}/{op}` and `/api/{project}/{op}`.

Order of checks: the encoding the client accepts (406), authentication (401/403, before
anything about the project is said), the project among the caller's orgs (404 as if absent),
the op (404), the method (405), the body's size (413), the request grid (400); then the op,
whose failures are error grids. Every answer, errors included, is a grid in the negotiated encoding.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..services.access import visible_orgs
from . import auth, codecs, ops
from .errors import OpError, UnknownOp

log = logging.getLogger(__name__)


def respond(codec, content_type, grid, status=200, headers=None):
    response = HttpResponse(codecs.encode(codec, grid), status=status, content_type=content_type)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error(codec, content_type, status, message, headers=None):
    return respond(codec, content_type, codecs.error_grid(message), status, headers)


@csrf_exempt
def haystack_op(request, org_key, op):
    try:
        codec, content_type = codecs.negotiate(request.headers.get("Accept", ""))
    except codecs.NotAcceptable as exc:
        return error(codecs.ZINC, "text/zinc; charset=utf-8", 406, str(exc))
    result = auth.authenticate(request.headers.get("Authorization", ""), request)
    if not result.ok:
        return error(codec, content_type, result.status, result.message, result.headers)
    org = visible_orgs(result.user).filter(key=org_key).first()
    if org is None:
        return error(codec, content_type, 404, f"unknown project {org_key!r}", result.headers)
    if op not in ops.OPS:
        return error(codec, content_type, 404, f"unknown op {op!r}", result.headers)
    if request.method not in ("GET", "POST"):
        return error(codec, content_type, 405, "use GET or POST", result.headers)
    if _body_length(request) > settings.HSIM_API_MAX_BYTES:  # before reading it
        return error(codec, content_type, 413, f"request body exceeds"
                     f" {settings.HSIM_API_MAX_BYTES} bytes", result.headers)
    if request.method == "GET" and not ops.OPS[op][1] and not _has_body(request):
        return error(codec, content_type, 405, f"{op} has side effects: use POST",
                     result.headers)
    try:
        grid = _request_grid(request)
    except (codecs.BadRequest, RequestDataTooBig, UnicodeDecodeError) as exc:
        return error(codec, content_type, 400, f"bad request: {exc}", result.headers)
    context = ops.Context(user=result.user, org=org, token_hash=result.token_hash)
    try:
        answer = ops.run(op, context, grid)
    except OpError as exc:
        return error(codec, content_type, 200, str(exc), result.headers)
    except UnknownOp:
        return error(codec, content_type, 404, f"unknown op {op!r}", result.headers)
    except Exception as exc:  # a bug still answers as a grid the client can read
        log.exception("haystack op %s failed", op)
        return error(codec, content_type, 500, f"internal error ({type(exc).__name__})",
                     result.headers)
    return respond(codec, content_type, answer, 200, result.headers)


def _body_length(request):
    """The declared body length (Django reads no more than it; none: no body). Django's own
    bound is the largest body any endpoint takes (/bulk/value's), not this API's."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _has_body(request):
    return bool(request.body.strip())


def _request_grid(request):
    """POST: the body grid; GET: the query parameters (or a body, as phable's about sends)."""
    if request.method == "GET" and request.GET:
        return codecs.grid_from_query(request.GET.dict())
    return codecs.decode_body(request.content_type, request.body)
