import os

from django.core.asgi import get_asgi_application

from .deploy_checks import refuse_insecure_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hsim_project.settings")
application = get_asgi_application()
refuse_insecure_start("web")
