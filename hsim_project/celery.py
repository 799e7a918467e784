"""The Celery app. Configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")

app = Celery("hsim")
app.config_from_object("django.conf:settings", namespace="CELERY")


def _filesystem_broker_options():
    # kombu's filesystem transport needs shared folders; one folder for in and out lets
    # the worker, its embedded beat and the web process on this machine share the queue.
    from django.conf import settings

    folder = settings.CELERY_BROKER_FOLDER
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        "control_folder": str(folder / "control"),
    }


@app.on_configure.connect
def _configure_broker(sender, **kwargs):
    if str(sender.conf.broker_url).startswith("filesystem://"):
        sender.conf.broker_transport_options = _filesystem_broker_options()


app.autodiscover_tasks()
