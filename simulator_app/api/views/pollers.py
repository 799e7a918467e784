"""The platform's poller contracts: GET /org/{org_id}/poller, GET /poller/{poller_id},
GET /poller?type=..., POST /poller (PollerConfig shapes; reads return active pollers)."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ...models import Simulator
from ...services import access
from ...services.pollers import create_poller
from ...services.simulators import create_simulator
from ..pagination import ContractListPage, page_response
from ..permissions import org_from_body
from ..schema import READ, WRITE, errors, responses
from ..serializers.pollers import (
    PollerConfigSerializer, PollerCreateSerializer, PollerTypeQuerySerializer,
)
from ..throttles import CreateRateThrottle


@extend_schema(tags=["pollers (platform contract)"])
class OrgPollersView(APIView):
    pagination_class = ContractListPage

    @extend_schema(summary="Active pollers of an org (one page: X-Total-Count, Link headers)",
                   responses=responses(PollerConfigSerializer(many=True), 400, *READ))
    def get(self, request, org_id):
        org = access.get_org(request.user, org_id)
        pollers = access.visible_pollers(request.user).filter(org=org).order_by("id")
        return page_response(request, self, pollers, PollerConfigSerializer)


@extend_schema(tags=["pollers (platform contract)"])
class PollerView(APIView):
    @extend_schema(summary="One active poller", responses=responses(PollerConfigSerializer, *READ))
    def get(self, request, poller_id):
        poller = access.get_poller(request.user, poller_id)
        return Response(PollerConfigSerializer(poller).data)


@extend_schema(tags=["pollers (platform contract)"])
class PollersView(APIView):
    pagination_class = ContractListPage
    throttle_classes = [CreateRateThrottle]  # POST only: reads are never throttled

    @extend_schema(summary="Active pollers of your organisations, of one type with ?type=",
                   parameters=[PollerTypeQuerySerializer],
                   responses={200: PollerConfigSerializer(many=True), **errors(400, 401)})
    def get(self, request):
        query = PollerTypeQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        pollers = access.visible_pollers(request.user)
        if "type" in query.validated_data:  # without it: every type (the platform needs it)
            pollers = pollers.filter(poller_type=query.validated_data["type"])
        return page_response(request, self, pollers.order_by("id"), PollerConfigSerializer)

    @extend_schema(summary="Register a poller; a simulator is validated and provisioned",
                   request=PollerCreateSerializer,
                   responses=responses(PollerConfigSerializer, *WRITE, 429, status=201))
    def post(self, request):
        serializer = PollerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = org_from_body(request.user, data["org_id"])
        with transaction.atomic():
            poller = create(org, data)
        # 201 for a creation, as /api/simulators/ answers. The platform's FastAPI route
        # answers its default 200, but it always creates (it never returns an existing
        # poller), so nothing is "returned unchanged" here either. A client that insists on
        # 200 must accept 201 (README, API).
        return Response(PollerConfigSerializer(poller).data, status=status.HTTP_201_CREATED)


def create(org, data):
    if data["poller_type"] != "simulator":
        return create_poller(org, data["poller_type"], data["poller_name"], data["config"],
                             status=data["status"])
    config = data["config"]
    poller = create_simulator(org, data["poller_name"], config.get("building_config"),
                              config.get("interval_minutes"))
    if data["status"] != poller.status:
        Simulator.objects.filter(pk=poller.pk).update(status=data["status"])
        poller.status = data["status"]
    return poller
