import os

from django.core.wsgi import get_wsgi_application

from .deploy_checks import refuse_insecure_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
application = get_wsgi_application()
# The deployed web entry point (gunicorn, runserver): never serve with a published secret.
refuse_insecure_start("web")
