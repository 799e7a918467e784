"""Routes of the browser pages (included before the API's routes, which own "")."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "web"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("login/", views.LoginPage.as_view(), name="login"),
    path("logout/", views.LogoutPage.as_view(), name="logout"),
    # browsers ask every page's origin for /favicon.ico (the admin's pages link none)
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("dashboard/", views.dashboard_index, name="dashboard-index"),
    path("dashboard/simulators/<int:poller_id>/", views.dashboard, name="dashboard"),
]
