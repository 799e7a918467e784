"""Throttling of control actions (start, stop, reset, configuration changes).

DRF's ScopedRateThrottle copies its rates into a class attribute at import, so a changed
setting never takes effect; this one reads `HSIM_API_CONTROL_THROTTLE_RATE` per request.
Reads are never throttled here: monitoring polls them.
"""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle


class ControlRateThrottle(SimpleRateThrottle):
    scope = "simulator_control"

    def get_rate(self):
        rate = (getattr(settings, "HSIM_API_CONTROL_THROTTLE_RATE", "") or "").strip()
        return None if rate.lower() in ("", "none", "off") else rate

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else None
        return self.cache_format % {"scope": self.scope, "ident": ident or self.get_ident(request)}

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)
