"""The landing page and a simulator's dashboard.

Both need a session login (anonymous users are sent to the login form and back); another
org's simulator answers 404 like the API. The login form is the admin's own page and
lockout (django-axes), but it lets in every active user: the admin's login admits staff only,
and staff see every org, so org members would have no way in. The pages carry no data beyond a
summary: the browser reads points, history and fault labels from the read API
(/simulator/points|history|labels/{id}) with the same session, so what a chart shows is what
the API returns.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from ..services import access, overview

LOGIN_URL = "web:login"
PAGE_SIZE = 50  # a fleet of thousands still answers a bounded page


class LoginPage(auth_views.LoginView):
    """Session login for every active user, on the admin's login template."""

    template_name = "admin/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs),
                "app_path": self.request.get_full_path(), "title": "Log in",
                "site_header": "hsim", "site_title": "hsim"}

    def get_default_redirect_url(self):
        return reverse("web:landing")


class LogoutPage(auth_views.LogoutView):
    next_page = "web:login"


def api_urls(poller_id):
    """The read API the dashboard's script calls (the contract's paths, one place)."""
    return {
        "points": f"/simulator/points/{poller_id}",
        "equips": f"/simulator/equips/{poller_id}",
        "history": f"/simulator/history/{poller_id}",
        "labels": f"/simulator/labels/{poller_id}",
        "state": f"/simulator/state/{poller_id}",
        "health": f"/simulator/health/{poller_id}",
        "metrics": f"/simulator/metrics/{poller_id}",
    }


@login_required(login_url=LOGIN_URL)
def landing(request):
    page = Paginator(overview.visible_simulators(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [(s, api_urls(s.poller_id)["health"]) for s in overview.summaries(page)]
    return render(request, "web/landing.html", {"page": page, "rows": rows})


@login_required(login_url=LOGIN_URL)
def dashboard_index(request):
    return redirect("web:landing")


@login_required(login_url=LOGIN_URL)
def dashboard(request, poller_id):
    try:
        simulator, summary = overview.simulator_summary(request.user, poller_id)
    except access.NotVisible:
        raise Http404(f"simulator {poller_id} not found") from None
    return render(request, "web/dashboard.html", {
        "simulator": simulator,
        "summary": summary,
        "urls": api_urls(poller_id),
        "admin_url": reverse("admin:simulator_app_simulator_change", args=[simulator.pk])
        if request.user.is_staff else None,
    })
