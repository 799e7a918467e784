"""`manage.py check --deploy`: the problems the deployed entry points refuse to start with."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from hsim_project.deploy_checks import secret_problem


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    problem = secret_problem(settings.SECRET_KEY)
    if problem is None:
        return []
    return [Error(
        f"{problem}: web, worker and Flower refuse to start with it while DEBUG is off.",
        hint="Set SECRET_KEY to 50+ random characters (README \"Security\").",
        id="hsim.E001",
    )]
