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
