"""/api/fleets/: define a fleet (202: its buildings are made by a Celery task), list them,
start, stop or delete all or some of their buildings (202: done by a task as well, since a
fleet of 20,000 is minutes of work, not a request's)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ...models import Fleet
from ...services import access, fleets, lifecycle
from ...services.queue import enqueue_fleet
from ..pagination import LimitOffsetPage
from ..permissions import org_from_body
from ..schema import CONTROL, READ, WRITE, responses
from ..serializers.fleets import FleetCreateSerializer, FleetSelectionSerializer, FleetSerializer
from ..throttles import ControlRateThrottle, CreateRateThrottle


def fleet_data(fleet):
    return {
        "id": fleet.id, "org_id": fleet.org_id, "name": fleet.name, "seed": fleet.seed,
        "size": fleet.size, "members": fleet.members.count(),
        "running": fleets.running_count(fleet), "presets": fleet.presets,
        "interval_minutes": fleet.interval_minutes, "created_at": fleet.created_at,
    }


@extend_schema_view(
    list=extend_schema(summary="Fleets of your organisations (one page)",
                       responses=responses(FleetSerializer(many=True), 400, 401)),
    retrieve=extend_schema(summary="One fleet and how many buildings it has made",
                           responses=responses(FleetSerializer, *READ)),
    create=extend_schema(
        summary="Define a fleet; a task makes its buildings (idempotent: a larger size grows it)",
        request=FleetCreateSerializer, responses=responses(FleetSerializer, *WRITE, 429,
                                                           status=202)),
)
@extend_schema(tags=["fleets"])
class FleetViewSet(viewsets.GenericViewSet):
    queryset = Fleet.objects.none()
    serializer_class = FleetSerializer
    pagination_class = LimitOffsetPage
    lookup_value_converter = "int"

    def get_queryset(self):
        return Fleet.objects.filter(org__in=access.visible_orgs(self.request.user))

    def get_object(self):
        fleet = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if fleet is None:
            raise access.NotVisible(f"fleet {self.kwargs['pk']} not found")
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            access.require_write(self.request.user, fleet.org_id)
        return fleet

    def get_throttles(self):
        if self.action == "create":
            return [CreateRateThrottle()]
        if self.action in ("start", "stop", "remove"):
            return [ControlRateThrottle()]
        return super().get_throttles()

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("id"))
        return self.get_paginated_response([fleet_data(f) for f in page])

    def retrieve(self, request, pk):
        return Response(FleetSerializer(fleet_data(self.get_object())).data)

    def create(self, request):
        serializer = FleetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = org_from_body(request.user, data["org_id"])
        with transaction.atomic():
            fleet = fleets.define_fleet(org, data["name"], data["size"], data["template"],
                                        data["seed"], data.get("interval_minutes"),
                                        data["presets"])
            enqueue_fleet(fleet.id, "grow", then_start=data["start"])
        return Response(FleetSerializer(fleet_data(fleet)).data, status=status.HTTP_202_ACCEPTED)

    def _queue(self, request, verb):
        fleet = self.get_object()
        selection = FleetSelectionSerializer(data=request.data or {})
        selection.is_valid(raise_exception=True)
        enqueue_fleet(fleet.id, verb, indexes=selection.validated_data.get("indexes"))
        return Response(FleetSerializer(fleet_data(fleet)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Start all or some buildings (a task does it)",
                   request=FleetSelectionSerializer,
                   responses=responses(FleetSerializer, *CONTROL, status=202))
    @action(detail=True, methods=["post"])
    def start(self, request, pk):
        lifecycle.refuse_disabled_org(self.get_object().org_id, "the fleet's buildings")
        return self._queue(request, "start")

    @extend_schema(summary="Stop all or some buildings (a task does it)",
                   request=FleetSelectionSerializer,
                   responses=responses(FleetSerializer, *CONTROL, status=202))
    @action(detail=True, methods=["post"])
    def stop(self, request, pk):
        return self._queue(request, "stop")

    @extend_schema(summary="Delete all or some buildings: unscheduled, inactive, data kept",
                   request=FleetSelectionSerializer,
                   responses=responses(FleetSerializer, *CONTROL, status=202))
    @action(detail=True, methods=["post"], url_path="delete")
    def remove(self, request, pk):
        return self._queue(request, "delete")
