"""The embedded default's demo set-up: an admin login and a demo org."""

import os

from django.contrib.auth import get_user_model

from .orgs import get_or_create_org

DEMO_ORG_KEY = "demo"
ADMIN_USERNAME = os.environ.get("HSIM_ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("HSIM_ADMIN_PASSWORD", "hsim-admin")


def ensure_admin_user(username=ADMIN_USERNAME, password=ADMIN_PASSWORD):
    """Create the admin login once; an existing user keeps the password it has."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username, email="", password=password)
    return user


def ensure_demo_org():
    org, _ = get_or_create_org(DEMO_ORG_KEY, "Demo Organization")
    return org
