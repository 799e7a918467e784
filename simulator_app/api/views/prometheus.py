"""GET /metrics: Prometheus text exposition (services.prometheus_metrics).

Who may scrape: staff (admin session), or `Authorization: Bearer <HSIM_METRICS_TOKEN>` when
that setting is set, or anyone when HSIM_METRICS_PUBLIC is true. It spans every org, so org
members who are not staff get a 403.
"""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ...services import prometheus_metrics
from ..errors import body


def allowed(request):
    if settings.HSIM_METRICS_PUBLIC:
        return True
    token = settings.HSIM_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(
            header[len("Bearer "):].strip().encode(), token.encode()):
        return True
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


@require_GET
def metrics(request):
    if not allowed(request):
        status = 403 if getattr(request, "user", None) and request.user.is_authenticated else 401
        return JsonResponse(body("Metrics need a staff login or the metrics token."),
                            status=status)
    return HttpResponse(generate_latest(prometheus_metrics.registry),
                        content_type=CONTENT_TYPE_LATEST)
