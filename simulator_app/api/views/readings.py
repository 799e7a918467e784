"""Reading a simulator: its points and equipment, history (JSON or CSV, streamed), fault
labels, and faults injected at run time. {id} is the simulator's poller_id."""

from datetime import timedelta

from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ...services import faults_runtime, history, labels, points
from ...services.errors import ServiceError
from ...services.history import iso_us
from ...services.intervals import to_epoch
from ..pagination import LimitOffsetPage
from ..schema import CONTROL, READ, errors
from ..serializers.readings import (
    AnomaliesSerializer, EquipSerializer, FaultEpisodeSerializer, FaultRequestSerializer,
    HistorySerializer,
    LabelsSerializer, PointFilterSerializer, PointSerializer, WindowSerializer,
)
from .simulators import ControlView, SimulatorView

TAGS = ["simulator (reading)"]


class PointPagination(LimitOffsetPage):
    """The lists' limit/offset rules (a bad or too large limit is a 400), with a page that
    holds a building: ~500 points, 1000 at most."""

    max_limit = 1000
    default_limit = 1000


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data  # history streams its own text; errors are rendered as JSON


class PointsView(GenericAPIView, SimulatorView):
    pagination_class = PointPagination

    @extend_schema(
        tags=TAGS, summary="A simulator's points with tags and current values",
        parameters=[PointFilterSerializer],
        responses={200: PointSerializer(many=True), **errors(400, *READ)})
    def get(self, request, id):
        simulator = self.simulator(id)
        if len(request.query_params.getlist("equip")) > 1:
            raise ValidationError({"equip": ["give it once"]})
        params = PointFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        wanted = points.PointFilter(
            equip=params.validated_data.get("equip"),
            tags=tuple(params.validated_data.get("tag", ())),
            keys=tuple(params.validated_data.get("key", ())))
        page = self.paginate_queryset(points.point_rows(simulator, wanted))
        return self.get_paginated_response(PointSerializer(page, many=True).data)


class EquipsView(SimulatorView):
    @extend_schema(tags=TAGS, summary="Equipment that carries points (weather, AHUs, plant...)",
                   responses={200: EquipSerializer(many=True), **errors(*READ)})
    def get(self, request, id):
        return Response(EquipSerializer(points.equipment_rows(self.simulator(id)),
                                        many=True).data)


HISTORY_PARAMETERS = [
    OpenApiParameter("point", str, many=True, description=(
        "Point key or entity id (repeatable). Without any: the points matching equip/tag/key,"
        " or every point.")),
    OpenApiParameter("start", OpenApiTypes.DATETIME, description="Inclusive; default end - 1 day."),
    OpenApiParameter("end", OpenApiTypes.DATETIME, description="Exclusive; default now."),
    OpenApiParameter("rollup", str, description="Bucket: <n>m, <n>h or <n>d (UTC-aligned)."),
    OpenApiParameter("fn", str, enum=list(history.FUNCTIONS),
                     description="Rollup function (default avg)."),
    OpenApiParameter("equip", str), OpenApiParameter("tag", str, many=True),
    OpenApiParameter("key", str, many=True),
    OpenApiParameter("format", str, enum=["json", "csv"],
                     description="Or Accept: text/csv."),
]


class HistoryView(SimulatorView):
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=TAGS, parameters=HISTORY_PARAMETERS,
        summary="History of points over [start, end): raw rows or rollups, JSON or CSV, streamed",
        description=(
            "At most HSIM_HISTORY_MAX_POINTS points and HSIM_HISTORY_MAX_ROWS rows (points x"
            " intervals in the range; the interval is the simulator's or the rollup's) per"
            " request; more is a 400. Points of other simulators or orgs are a 404."),
        responses={200: OpenApiResponse(HistorySerializer, description="JSON; or CSV"
                                        " ts,point,value_n,value_b,value_s,status"),
                   **errors(400, *READ)})
    def get(self, request, id):
        simulator = self.simulator(id)
        query = history.parse_query(simulator, request.query_params)
        if request.accepted_renderer.format == "csv":
            response = StreamingHttpResponse(history.csv_chunks(simulator, query),
                                             content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'inline; filename="simulator-{simulator.poller_id}-history.csv"')
        else:
            response = StreamingHttpResponse(history.json_chunks(simulator, query),
                                             content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:  # DRF's answer to an unknown ?format=
            raise ValidationError({"format": ["json or csv"]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) \
                and request.accepted_renderer.format == "csv":
            # Errors keep the one JSON error shape, whatever format was asked for.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


def refuse_repeated(request, names):
    """A parameter given twice is a 400 naming it, as history answers (services.history):
    `.dict()` would silently keep the last one."""
    for name in names:
        if len(request.query_params.getlist(name)) > 1:
            raise ServiceError({name: "give it once"})


def window(request, default=timedelta(days=1)):
    refuse_repeated(request, ("start", "end"))
    params = WindowSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    end = params.validated_data.get("end") or timezone.now()
    start = params.validated_data.get("start") or end - default
    if end <= start:
        raise ServiceError({"end": "must be after start"})
    return start, end


def label_data(item):
    return {**item, "start": iso_us(item["start"] * 1_000_000),
            "end": None if item["end"] is None else iso_us(item["end"] * 1_000_000)}


class LabelsView(SimulatorView):
    @extend_schema(
        tags=TAGS, parameters=[WindowSerializer, AnomaliesSerializer],
        summary="Fault labels: every episode that shaped the data in [start, end)",
        responses={200: LabelsSerializer, **errors(400, *READ)})
    def get(self, request, id):
        simulator = self.simulator(id)
        start, end = window(request)
        refuse_repeated(request, ("anomalies",))
        flag = AnomaliesSerializer(data=request.query_params.dict())
        flag.is_valid(raise_exception=True)
        found = labels.labels(simulator, to_epoch(start), to_epoch(end),
                              anomalies=flag.validated_data["anomalies"])
        return Response({"start": start, "end": end,
                         "labels": [label_data(item) for item in found]})


class FaultsView(ControlView):
    @extend_schema(tags=TAGS, summary="Faults injected at run time, newest onset first",
                   responses={200: FaultEpisodeSerializer(many=True), **errors(*READ)})
    def get(self, request, id):
        episodes = faults_runtime.episodes_of(self.simulator(id))
        return Response(FaultEpisodeSerializer(episodes, many=True).data)

    @extend_schema(
        tags=TAGS, request=FaultRequestSerializer,
        summary="Inject a fault: it shapes the data from its onset on and is labelled"
                " (logs config_change)",
        responses={201: FaultEpisodeSerializer, **errors(*CONTROL)})
    def post(self, request, id):
        simulator = self.simulator(id)
        body = FaultRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        episode = faults_runtime.inject(simulator, user=request.user, **body.validated_data)
        return Response(FaultEpisodeSerializer(episode).data, status=status.HTTP_201_CREATED)
