"""Conventional REST resources over the same services: /api/simulators/ (with the seed's
operations as actions) and /api/orgs/ (the caller's organisations, to find org ids)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ...models import Org, Simulator
from ...services import access
from ...services.simulators import create_simulator, delete_simulator
from ..pagination import ActivityPagination, LimitOffsetPage
from ..permissions import org_from_body
from ..schema import READ, WRITE, responses
from ..serializers.simulators import SimulatorCreateSerializer, SimulatorSerializer
from ..throttles import ControlRateThrottle, CreateRateThrottle
from . import operations as ops


@extend_schema_view(
    list=extend_schema(summary="Simulators of your organisations (one page)",
                       responses=responses(SimulatorSerializer(many=True), 400, 401)),
    retrieve=extend_schema(summary="One simulator", responses=responses(SimulatorSerializer, *READ)),
    create=extend_schema(summary="Create a simulator (validates the spec, provisions entities)",
                         request=SimulatorCreateSerializer,
                         responses=responses(SimulatorSerializer, *WRITE, 429, status=201)),
    destroy=extend_schema(summary="Delete: unschedule and mark inactive (data stays)",
                          responses=responses(None, 401, 403, 404, status=204)),
)
@extend_schema(tags=["simulators"])
class SimulatorViewSet(viewsets.GenericViewSet):
    lookup_field = "poller_id"
    lookup_value_converter = "int"
    queryset = Simulator.objects.none()  # access decides per request (get_queryset)
    serializer_class = SimulatorSerializer
    pagination_class = LimitOffsetPage

    def get_queryset(self):
        return access.visible_pollers(self.request.user, model=Simulator)

    def get_object(self):
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return access.get_simulator(self.request.user, self.kwargs["poller_id"], write=write)

    def get_throttles(self):
        controls = ("start", "stop", "reset", "state", "change_state", "backfill")
        if self.action == "create":
            return [CreateRateThrottle()]
        return [ControlRateThrottle()] if self.action in controls else super().get_throttles()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("poller_id"))
        return self.get_paginated_response([ops.simulator_data(s) for s in page])

    def retrieve(self, request, poller_id):
        return Response(SimulatorSerializer(ops.simulator_data(self.get_object())).data)

    def create(self, request):
        serializer = SimulatorCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = org_from_body(request.user, data["org_id"])
        simulator = create_simulator(org, data["name"], data.get("building_config"),
                                     data.get("interval_minutes"))
        body = SimulatorSerializer(ops.simulator_data(simulator)).data
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request, poller_id):
        delete_simulator(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @ops.SCHEMAS["get_state"]
    @action(detail=True, methods=["get"], url_path="state")
    def state(self, request, poller_id):
        return ops.get_state(request, self.get_object())

    @ops.SCHEMAS["post_state"]
    @state.mapping.post
    def change_state(self, request, poller_id):
        return ops.post_state(request, self.get_object())

    @ops.SCHEMAS["start"]
    @action(detail=True, methods=["post"])
    def start(self, request, poller_id):
        return ops.start(request, self.get_object())

    @ops.SCHEMAS["stop"]
    @action(detail=True, methods=["post"])
    def stop(self, request, poller_id):
        return ops.stop(request, self.get_object())

    @ops.SCHEMAS["reset"]
    @action(detail=True, methods=["post"])
    def reset(self, request, poller_id):
        return ops.reset(request, self.get_object())

    @ops.SCHEMAS["health"]
    @action(detail=True, methods=["get"])
    def health(self, request, poller_id):
        return ops.get_health(request, self.get_object())

    @ops.SCHEMAS["metrics"]
    @action(detail=True, methods=["get"])
    def metrics(self, request, poller_id):
        return ops.get_metrics(request, self.get_object())

    @ops.SCHEMAS["activity"]
    @action(detail=True, methods=["get"], pagination_class=ActivityPagination)
    def activity(self, request, poller_id):
        return ops.get_activity(request, self, self.get_object())

    @ops.SCHEMAS["backfills"]
    @action(detail=True, methods=["get"], url_path="backfill", pagination_class=LimitOffsetPage)
    def backfills(self, request, poller_id):
        return ops.get_backfills(request, self, self.get_object())

    @ops.SCHEMAS["post_backfill"]
    @backfills.mapping.post
    def backfill(self, request, poller_id):
        return ops.post_backfill(request, self.get_object())


class OrgSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Org
        fields = ["id", "name", "key", "value_table", "role"]

    def get_role(self, org) -> str:
        return self.context["roles"].get(org.id, "staff")


@extend_schema_view(
    list=extend_schema(summary="Your organisations (one page)",
                       responses=responses(OrgSerializer(many=True), 400, 401)),
    retrieve=extend_schema(summary="One of your organisations", responses=responses(OrgSerializer, *READ)),
)
@extend_schema(tags=["orgs"])
class OrgViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrgSerializer
    queryset = Org.objects.none()
    lookup_value_converter = "int"
    pagination_class = LimitOffsetPage

    def get_queryset(self):
        return access.visible_orgs(self.request.user).order_by("id")

    def get_serializer_context(self):
        roles = {} if self.request.user.is_anonymous else access.roles_of(self.request.user)
        return {**super().get_serializer_context(), "roles": roles}
