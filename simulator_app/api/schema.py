"""OpenAPI helpers: every error response documented with the one error shape."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input; `errors` names the fields.",
    401: "No or an invalid token.",
    403: "Authenticated, but not allowed to do this.",
    404: "No such object among those of your organisations.",
    409: "Not allowed in the simulator's current state, or it is busy.",
    413: "Too many values or too large a body; nothing was read.",
    415: "Send application/json.",
    429: "Too many requests of this kind (throttled), or an org's queued backfill work is at"
         " its quota; retry after the Retry-After header's seconds, or once it drains.",
    503: "The primary value database is unavailable; nothing was written.",
}


def errors(*codes):
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in codes
    }


def responses(ok, *codes, status=200):
    """{status: ok, and each error code}: the shape every view documents."""
    return {status: ok, **errors(*codes)}


READ = (401, 404)
WRITE = (400, 401, 403, 404, 415)
CONTROL = WRITE + (409, 429)


def path_id(name="id", description="The simulator's poller_id."):
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)
