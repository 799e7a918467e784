"""The API's routes: the platform's exact paths, the seed's simulator paths, the router."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from .docs import swagger_ui
from .views import bulk, fleets, health, pollers, prometheus, readings, router, simulators

api_router = DefaultRouter(use_regex_path=False)  # int converters: integer ids in the schema
api_router.include_format_suffixes = False  # one URL per resource (JSON; HTML via Accept)
# basename "api-simulator": "simulator-health" etc. name the seed paths below, not the router
api_router.register("simulators", router.SimulatorViewSet, basename="api-simulator")
api_router.register("orgs", router.OrgViewSet, basename="org")
api_router.register("fleets", fleets.FleetViewSet, basename="fleet")

urlpatterns = [
    # db-service-layer contracts (no trailing slashes, as on the platform)
    path("org/<int:org_id>/poller", pollers.OrgPollersView.as_view(), name="org-pollers"),
    path("poller/<int:poller_id>", pollers.PollerView.as_view(), name="poller"),
    path("poller", pollers.PollersView.as_view(), name="pollers"),
    path("bulk/value", bulk.BulkValueView.as_view(), name="bulk-value"),
    # the seed's simulator endpoints; {id} is the simulator's poller_id
    path("simulator/state/<int:id>", simulators.StateView.as_view(), name="simulator-state"),
    path("simulator/start/<int:id>", simulators.StartView.as_view(), name="simulator-start"),
    path("simulator/stop/<int:id>", simulators.StopView.as_view(), name="simulator-stop"),
    path("simulator/reset/<int:id>", simulators.ResetView.as_view(), name="simulator-reset"),
    path("simulator/health/<int:id>", simulators.HealthView.as_view(), name="simulator-health"),
    path("simulator/backfill/<int:id>", simulators.BackfillView.as_view(),
         name="simulator-backfill"),
    path("simulator/activity/<int:id>", simulators.ActivityView.as_view(),
         name="simulator-activity"),
    path("simulator/metrics/<int:id>", simulators.MetricsView.as_view(),
         name="simulator-metrics"),
    # reading a simulator (services/points, history, labels, faults_runtime)
    path("simulator/points/<int:id>", readings.PointsView.as_view(), name="simulator-points"),
    path("simulator/equips/<int:id>", readings.EquipsView.as_view(), name="simulator-equips"),
    path("simulator/history/<int:id>", readings.HistoryView.as_view(),
         name="simulator-history"),
    path("simulator/labels/<int:id>", readings.LabelsView.as_view(), name="simulator-labels"),
    path("simulator/faults/<int:id>", readings.FaultsView.as_view(), name="simulator-faults"),
    # conventional REST resources, schema and docs
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_ui, name="docs"),  # CSP-compatible (api/docs.py)
    path("healthz", health.LivenessView.as_view(), name="healthz"),
    path("metrics", prometheus.metrics, name="prometheus-metrics"),  # Prometheus text
    path("api/", include(api_router.urls)),
]
