"""Admin login lockout (django-axes) for logins that come over HTTP.

axes refuses an `authenticate()` call without a request; calls without one are not HTTP
logins (the test client's `login()`, management commands) and have nothing to lock.
"""

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request):
    """The login's client address for the lockout (settings.AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless HSIM_PROXY_COUNT proxies in front each append to X-Forwarded-For:
    then the entry the outermost trusted proxy added (what a client sends itself sits to its
    left and is ignored, so it cannot pick the address it is locked under).
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR")
    count = settings.HSIM_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [h for h in hops if h]
    return hops[-count] if len(hops) >= count else remote
