"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os
import sys
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")

app = Celery("hsim")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Celery's Django fix-up would close the project database connection after every task (a new
# PostgreSQL session per tick); simulator_app.tasks keeps a clean one instead
# (services/task_connections). The fix-up reads this old-style key, and with it closes only
# every 2 x N tasks: N large enough to mean never.
app.conf.CELERY_DB_REUSE_MAX = 2**62


app.autodiscover_tasks()

# The services the Celery command line starts from this app. Celery has no start signal that
# can stop Flower (and its signals swallow exceptions), so the command line decides here,
# when `celery -A hsim_project <service>` loads the app.
SERVICES = ("worker", "beat", "flower")


def celery_service(argv):
    """`worker`, `beat` or `flower` when `argv` is a Celery command line starting one."""
    if not argv or Path(argv[0]).name not in ("celery", "__main__.py"):
        return None
    return next((arg for arg in argv[1:] if arg in SERVICES), None)


if celery_service(sys.argv):
    from django.core.exceptions import ImproperlyConfigured

    from .deploy_checks import refuse_insecure_start

    try:
        refuse_insecure_start(celery_service(sys.argv))
    except ImproperlyConfigured as exc:
        raise SystemExit(str(exc)) from None
