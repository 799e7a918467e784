from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    # browser pages (/ and /dashboard/...) before the API, which is included at ""
    path("", include("simulator_app.web.urls")),
    # Project Haystack HTTP API (before the REST API: it owns /api/<project>/<haystack op>)
    path("", include("simulator_app.haystack.urls")),
    path("", include("simulator_app.api.urls")),
]

if not settings.DEBUG:
    # gunicorn (docker-compose's web) serves no static files and the image has no other
    # server: serve what `collectstatic` gathered (admin CSS, Swagger UI's local assets).
    # `runserver --insecure` (./hsim run) answers these itself before URL routing.
    urlpatterns += [
        re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
    ]

# Unknown URLs and crashes answer in the API's error shape (the admin keeps its HTML pages).
handler400 = "simulator_app.api.errors.bad_request"
handler403 = "simulator_app.api.errors.permission_denied"
handler404 = "simulator_app.api.errors.not_found"
handler500 = "simulator_app.api.errors.server_error"
