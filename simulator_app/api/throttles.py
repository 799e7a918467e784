"""Throttles on the requests that cause work: control actions, creations, bulk writes.

DRF's ScopedRateThrottle copies its rates into a class attribute at import, so a changed
setting never takes effect; these read their setting (`rate_setting`) per request. "" or
"none" switches one off. Counters live in the default cache, per user (or client address for
an anonymous request): shared by every web process where the cache is Redis (settings.py
derives one from a redis:// broker unless HSIM_CACHE_URL says otherwise).
Reads are never throttled here: monitoring polls them.
"""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle


class SettingRateThrottle(SimpleRateThrottle):
    scope = None
    rate_setting = None

    def get_rate(self):
        rate = (getattr(settings, self.rate_setting, "") or "").strip()
        return None if rate.lower() in ("", "none", "off") else rate

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else None
        return self.cache_format % {"scope": self.scope, "ident": ident or self.get_ident(request)}

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class ControlRateThrottle(SettingRateThrottle):
    """Start, stop, reset, configuration changes and backfill requests."""

    scope = "simulator_control"
    rate_setting = "HSIM_API_CONTROL_THROTTLE_RATE"


class CreateRateThrottle(SettingRateThrottle):
    """Creating simulators and pollers (each provisions entities: real work)."""

    scope = "poller_create"
    rate_setting = "HSIM_API_CREATE_THROTTLE_RATE"


class BulkValueRateThrottle(SettingRateThrottle):
    """POST /bulk/value (each request may carry up to HSIM_BULK_MAX_VALUES values)."""

    scope = "bulk_value"
    rate_setting = "HSIM_API_BULK_THROTTLE_RATE"
