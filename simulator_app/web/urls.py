"""Routes of the browser pages (included before the API's routes, which own "")."""

from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", views.dashboard_index, name="dashboard-index"),
    path("dashboard/simulators/<int:poller_id>/", views.dashboard, name="dashboard"),
]
