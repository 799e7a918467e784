"""The seed's simulator endpoints: /simulator/<operation>/{id}, id = the poller_id."""

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from ...services import access
from ..pagination import ActivityPagination, LimitOffsetPage
from ..throttles import ControlRateThrottle
from . import operations as ops


@extend_schema(tags=["simulator (seed endpoints)"])
class SimulatorView(APIView):
    """Resolves {id} to a simulator of the caller's orgs (404 otherwise); writes need a
    member role (403 for viewers)."""

    def simulator(self, poller_id):
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return access.get_simulator(self.request.user, poller_id, write=write)


class ControlView(SimulatorView):
    throttle_classes = [ControlRateThrottle]


class StateView(ControlView):
    @ops.SCHEMAS["get_state"]
    def get(self, request, id):
        return ops.get_state(request, self.simulator(id))

    @ops.SCHEMAS["post_state"]
    def post(self, request, id):
        return ops.post_state(request, self.simulator(id))


class StartView(ControlView):
    @ops.SCHEMAS["start"]
    def post(self, request, id):
        return ops.start(request, self.simulator(id))


class StopView(ControlView):
    @ops.SCHEMAS["stop"]
    def post(self, request, id):
        return ops.stop(request, self.simulator(id))


class ResetView(ControlView):
    @ops.SCHEMAS["reset"]
    def post(self, request, id):
        return ops.reset(request, self.simulator(id))


class HealthView(SimulatorView):
    @ops.SCHEMAS["health"]
    def get(self, request, id):
        return ops.get_health(request, self.simulator(id))


class MetricsView(SimulatorView):
    @ops.SCHEMAS["metrics"]
    def get(self, request, id):
        return ops.get_metrics(request, self.simulator(id))


class ActivityView(GenericAPIView, SimulatorView):
    pagination_class = ActivityPagination

    @ops.SCHEMAS["activity"]
    def get(self, request, id):
        return ops.get_activity(request, self, self.simulator(id))


class BackfillView(ControlView):
    pagination_class = LimitOffsetPage  # the GET list (schema and ops.get_backfills)

    @ops.SCHEMAS["backfills"]
    def get(self, request, id):
        return ops.get_backfills(request, self, self.simulator(id))

    @ops.SCHEMAS["post_backfill"]
    def post(self, request, id):
        return ops.post_backfill(request, self.simulator(id))
