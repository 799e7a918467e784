"""What each simulator endpoint does, shared by the seed paths (/simulator/<op>/{id}) and the
router's actions (/api/simulators/{id}/<op>/): parse, call one service, shape the answer."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from ...models import ActivityLog, SimulatorState
from ...models.state import STOPPED
from ...models import BackfillJob
from ...services import access, backfill, backfill_expiry, health, lifecycle, metrics
from ...services.simulator_config import spec_of
from ...services.simulators import update_config
from ..pagination import LimitOffsetPage, page_response
from ..schema import CONTROL, READ, errors, responses
from ..serializers.simulators import (
    ActivityFilterSerializer, ActivitySerializer, BackfillJobSerializer,
    BackfillRequestSerializer, HealthSerializer, MetricsSerializer, ResetQuerySerializer,
    ResetSerializer,
    StateSerializer, StateUpdateSerializer,
)

RESET_WAIT_SECONDS = 5  # a tick in flight usually ends well within this; else 409, retry


def query(request):
    """Query parameters as a plain dict: DRF reads a QueryDict like an HTML form, where an
    empty value means "not given"; `?start_time=` is a malformed timestamp here."""
    return request.query_params.dict()


def state_data(simulator):
    state = SimulatorState.objects.filter(simulator_id=simulator.poller_id).first()
    state = state or SimulatorState(simulator_id=simulator.poller_id, status=STOPPED)
    config = simulator.config_dict
    origin = (state.config or {}).get("origin")
    return {
        "simulator_id": simulator.poller_id,
        "status": state.status,
        "last_run_timestamp": state.last_run_timestamp,
        "totalizers": state.totalizers,
        "config": {
            "building_config": config.get("building_config") or {},
            "interval_minutes": config.get("interval_minutes"),
            "value_table": config.get("value_table") or simulator.org.value_table,
        },
        "origin": origin,
        "error_message": state.error_message,
        "updated_at": state.updated_at,
    }


def simulator_data(simulator):
    state = state_data(simulator)
    return {
        "poller_id": simulator.poller_id,
        "org_id": simulator.org_id,
        "name": simulator.poller_name,
        "run_status": state["status"],
        "last_run_timestamp": state["last_run_timestamp"],
        "interval_minutes": state["config"]["interval_minutes"],
        "building_config": state["config"]["building_config"],
        "created_at": simulator.created_at,
    }


def state_response(simulator, code=status.HTTP_200_OK):
    return Response(StateSerializer(state_data(simulator)).data, status=code)


def get_state(request, simulator):
    return state_response(simulator)


def post_state(request, simulator):
    serializer = StateUpdateSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    building = serializer.validated_data.get("building_config")
    interval = serializer.validated_data.get("interval_minutes")
    if building is not None and interval is None and "interval_minutes" not in building:
        # services.simulators.update_config would fall back to the spec's default interval
        # (15) for a new building without one; keeping the current interval is what a
        # caller that only sent a building means.
        interval = spec_of(simulator).interval_minutes
    update_config(simulator, building, interval)
    return state_response(simulator)


def start(request, simulator):
    lifecycle.start(simulator)
    return state_response(simulator)


def stop(request, simulator):
    lifecycle.stop(simulator, reason=f"requested by {request.user.get_username()}")
    return state_response(simulator)


def reset(request, simulator):
    # The flag may come as ?clear_data= (like upstream's API) or in the body; both are
    # validated, and the body wins when both are given.
    from_query = ResetQuerySerializer(data=query(request))
    from_query.is_valid(raise_exception=True)
    clear_data = from_query.validated_data.get("clear_data") == "true"
    if request.data or not isinstance(request.data, dict):  # `[]` is a body, and a bad one
        from_body = ResetSerializer(data=request.data)
        from_body.is_valid(raise_exception=True)
        clear_data = from_body.validated_data["clear_data"]
    lifecycle.reset(simulator, clear_data=clear_data, wait_seconds=RESET_WAIT_SECONDS)
    return state_response(simulator)


def post_backfill(request, simulator):
    """Queue a backfill job (the Celery task works it in time slices); 202 with the job."""
    serializer = BackfillRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    job = backfill.queue_job(simulator, **serializer.validated_data)
    return Response(BackfillJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def get_backfills(request, view, simulator):
    backfill_expiry.expire_stale(simulator_id=simulator.poller_id)  # shown as failed
    jobs = BackfillJob.objects.filter(simulator=simulator).order_by("-created_at", "-id")
    return page_response(request, view, jobs, BackfillJobSerializer, LimitOffsetPage)


def get_health(request, simulator):
    report = health.simulator_health(simulator)
    code = 503 if report["status"] == health.UNHEALTHY else 200
    if not access.is_staff(request.user):
        report = health.without_error_text(report, simulator)
    return Response(HealthSerializer(report).data, status=code)


def get_metrics(request, simulator):
    return Response(MetricsSerializer(metrics.simulator_metrics(simulator)).data)


def get_activity(request, view, simulator):
    filters = ActivityFilterSerializer(data=query(request))
    filters.is_valid(raise_exception=True)
    wanted = filters.validated_data
    events = ActivityLog.objects.filter(simulator_id=simulator.poller_id)
    if "event_type" in wanted:
        events = events.filter(event_type=wanted["event_type"])
    if "start_time" in wanted:
        events = events.filter(timestamp__gte=wanted["start_time"])
    if "end_time" in wanted:
        events = events.filter(timestamp__lt=wanted["end_time"])
    page = view.paginate_queryset(events)  # the view's ActivityPagination (by cursor)
    return view.get_paginated_response(ActivitySerializer(page, many=True).data)


# --- schema -------------------------------------------------------------------------------

def _schema(summary, ok, codes, request=None, parameters=None, ok_status=200, extra=None):
    return extend_schema(
        summary=summary, request=request, parameters=parameters or [],
        responses={**responses(ok, *codes, status=ok_status), **(extra or {})},
    )


RESET_QUERY = OpenApiParameter(
    "clear_data", bool, OpenApiParameter.QUERY, required=False,
    description="Alternative to the body's clear_data: exactly `true` or `false`.")

SCHEMAS = {
    "get_state": _schema("A simulator's state", StateSerializer, READ),
    "post_state": _schema(
        "Change a simulator's building and/or interval (logs config_change)", StateSerializer,
        CONTROL, request=StateUpdateSerializer),
    "start": _schema("Start: enable the schedule, queue a first tick", StateSerializer,
                     CONTROL, request=None),
    "stop": _schema("Stop: disable the schedule", StateSerializer, CONTROL, request=None),
    "reset": _schema(
        "Reset: stop, clear the state and optionally the generated rows", StateSerializer,
        CONTROL, request=ResetSerializer, parameters=[RESET_QUERY]),
    "health": _schema(
        "Health: last tick age, database, broker, value databases (200 or 503)",
        HealthSerializer, READ, extra={503: HealthSerializer}),
    "activity": extend_schema(
        summary="A simulator's activity log, newest first (cursor pagination)",
        parameters=[ActivityFilterSerializer],
        responses={200: ActivitySerializer(many=True), **errors(400, *READ)}),
    "metrics": _schema("A simulator's metrics", MetricsSerializer, READ),
    "post_backfill": _schema(
        "Queue a backfill of [start, end): the rows live ticks produce for that window",
        BackfillJobSerializer, CONTROL, request=BackfillRequestSerializer, ok_status=202),
    "backfills": extend_schema(
        summary="A simulator's backfill jobs, newest first (one page: ?limit=&offset=)",
        responses={200: BackfillJobSerializer(many=True), **errors(400, *READ)}),
}
