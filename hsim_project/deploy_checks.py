"""Refuse to serve with a secret (or a Flower login) anyone can read in this repository.

The deployed entry points call `refuse_insecure_start`: gunicorn through wsgi.py/asgi.py, the
Celery worker at `celeryd_init` and Flower when the Celery app is loaded for it (celery.py).
With DEBUG on nothing is refused, so development and the test suite run as they are; the
embedded `./hsim run` keeps a random secret of its own under HSIM_VAR_DIR. `check --deploy`
reports the same problems (simulator_app/checks.py).
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

# Secrets that were ever written down in this repository (settings.py, docker-compose.yml).
KNOWN_DEFAULT_SECRETS = frozenset({
    "hsim-insecure-development-key-change-me",
    "change-me-in-production",
    "change-me",
    "changeme",
    "secret",
})
KNOWN_DEFAULT_PASSWORDS = frozenset({"change-me", "changeme", "admin", "password", "hsim", ""})
MIN_SECRET_LENGTH = 50  # Django's own bar (security.W009)
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def secret_problem(secret_key):
    """Why `secret_key` must not sign sessions in production, or None when it will do."""
    if not secret_key:
        return "SECRET_KEY is missing"
    if secret_key in KNOWN_DEFAULT_SECRETS or secret_key.startswith("django-insecure"):
        return "SECRET_KEY is a published default"
    if len(secret_key) < MIN_SECRET_LENGTH or len(set(secret_key)) < 5:
        return f"SECRET_KEY is weak (use {MIN_SECRET_LENGTH}+ random characters)"
    return None


def flower_auth_problem(argv, environ):
    """Why Flower must not start with this command line and environment, or None.

    Flower can queue and revoke tasks; it answers on another address than loopback only
    behind a login (--basic-auth / FLOWER_BASIC_AUTH, or OAuth through --auth).
    """
    options = _long_options(argv)
    address = options.get("address", environ.get("FLOWER_ADDRESS", ""))
    basic_auth = options.get("basic_auth", environ.get("FLOWER_BASIC_AUTH", ""))
    oauth = options.get("auth", environ.get("FLOWER_AUTH", ""))
    if basic_auth:
        for pair in basic_auth.split(","):
            user, _, password = pair.partition(":")
            if not user or password in KNOWN_DEFAULT_PASSWORDS:
                return "Flower's basic auth has an empty or published default password"
        return None
    if oauth or address in LOOPBACK:
        return None
    return "Flower answers on every interface without a login (set FLOWER_BASIC_AUTH)"


def refuse_insecure_start(service, argv=None, environ=None):
    """Raise ImproperlyConfigured when `service` would start insecurely with DEBUG off."""
    from django.conf import settings

    if settings.DEBUG:
        return
    problems = [secret_problem(settings.SECRET_KEY)]
    if service == "flower":
        problems.append(flower_auth_problem(
            sys.argv if argv is None else argv, os.environ if environ is None else environ
        ))
    problems = [p for p in problems if p]
    if problems:
        raise ImproperlyConfigured(
            f"hsim refuses to start {service}: {'; '.join(problems)}. Set SECRET_KEY (e.g."
            " `python -c 'import secrets; print(secrets.token_urlsafe(50))'`) or DEBUG=true"
            " for development."
        )


def _long_options(argv):
    """{name: value} of `--name=value` / `--name value` options (dashes as underscores)."""
    found = {}
    args = list(argv)
    for i, arg in enumerate(args):
        if not arg.startswith("--"):
            continue
        name, eq, value = arg[2:].partition("=")
        if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
            value = args[i + 1]
        found[name.replace("-", "_")] = value
    return found
