"""One error shape for every endpoint: {"detail": "...", "errors": {"field": ["message"]}}.

DRF's own exceptions (validation, authentication, permission, throttling, 404) are reshaped;
the services' errors are mapped to their statuses here, so views never catch them:

    ServiceError (PollerError, OrgError) 400, TransitionError / BusyError 409,
    InvalidRowsError 400, EntitiesNotVisible 403, Forbidden 403, NotVisible 404,
    PrimaryDatabaseError 503 ("Primary database unavailable: ...", as the platform says, naming
    the value database by its key; the database's own error text goes to the log only: it can
    carry SQL, table names and values), Django's RequestDataTooBig 413.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ..services.access import Forbidden, NotVisible
from ..services.bulk_values import EntitiesNotVisible
from ..services.errors import ServiceError
from ..storage import InvalidRowsError, PrimaryDatabaseError

log = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request too large."


def body(detail, errors=None):
    return {"detail": printable(detail),
            "errors": {printable(field): [printable(m) for m in messages]
                       for field, messages in (errors or {}).items()}}


def printable(text):
    """Text as UTF-8 can carry it: messages quote the input ("'\\ud800' is not a valid
    choice", an unknown field's name), and a lone surrogate in them would make rendering the
    error itself fail with a 500. Such characters become '?'."""
    text = str(text)
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def flatten(data, prefix=""):
    """DRF's nested error data as {"a.b.0.c": ["message", ...]}."""
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and any(isinstance(item, (dict, list)) for item in data):
        for index, value in enumerate(data):
            if value:  # list serializers report {} for the items that were fine
                out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(data, list):
        out[prefix or "non_field_errors"] = [str(item) for item in data]
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


def field_errors(errors):
    """A service's {field: message} as the API's {field: [message]}; "detail" is the summary."""
    return {k: [str(v)] for k, v in errors.items() if k != "detail"}


def summary(errors, fallback):
    if "detail" in errors:
        return errors["detail"]
    if len(errors) == 1:
        field, message = next(iter(errors.items()))
        return f"{field}: {message}"
    return fallback


def domain_response(exc):
    """The response for a service-layer exception, or None if it is not one."""
    if isinstance(exc, ServiceError):
        return exc.status, body(summary(exc.errors, "Invalid input."), field_errors(exc.errors))
    if isinstance(exc, EntitiesNotVisible):
        return 403, body(str(exc), exc.errors)
    if isinstance(exc, InvalidRowsError):
        return 400, body(str(exc), {"values": [str(exc)]})
    if isinstance(exc, Forbidden):
        return 403, body(str(exc) or "You do not have permission to perform this action.")
    if isinstance(exc, NotVisible):
        return 404, body(str(exc) or "Not found.")
    if isinstance(exc, PrimaryDatabaseError):
        log.error("primary value database %r failed: %s", exc.db_key, exc,
                  exc_info=exc.cause or exc)
        return 503, body(f"Primary database unavailable: value database {exc.db_key!r} did"
                         " not accept the write (nothing was written); the server log has"
                         " the details")
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The project database is down (also while authenticating): unavailable, like
        # /healthz, not a 500; its error text goes to the log only.
        log.error("project database unavailable: %s", exc, exc_info=exc)
        return 503, body("Project database unavailable; the server log has the details")
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, body(f"request body exceeds {limit} bytes")
    return None


def exception_handler(exc, context):
    mapped = domain_response(exc)
    if mapped is not None:
        set_rollback()
        return Response(mapped[1], status=mapped[0])
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's handler500 answers (see server_error below)
    data = response.data
    if isinstance(data, dict) and set(data) <= {"detail"}:
        response.data = body(data.get("detail", ""))
    else:
        errors = flatten(data)
        if len(errors) == 1:
            field, messages = next(iter(errors.items()))
            detail = messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
        else:
            detail = "Invalid input."
        response.data = body(detail, errors)
    return response


def django_error(status, detail, admin_view):
    """A handler for errors Django answers itself (outside DRF's views): the API's JSON
    shape, except inside the admin, which keeps its HTML pages."""

    def handler(request, exception=None):
        if request.path.startswith("/admin/"):
            return admin_view(request) if status == 500 else admin_view(request, exception)
        return JsonResponse(body(detail), status=status)

    return handler


bad_request = django_error(400, "Bad request.", defaults.bad_request)
permission_denied = django_error(403, "Forbidden.", defaults.permission_denied)
not_found = django_error(404, "Not found.", defaults.page_not_found)
server_error = django_error(500, "Internal server error.", defaults.server_error)
