"""GET /healthz: liveness for load balancers and docker-compose (no authentication, no
details beyond up or down; the per-simulator health endpoint is authenticated)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ...services.health import liveness

LivenessSerializer = inline_serializer(
    "Liveness", {"status": serializers.ChoiceField(choices=["ok", "unavailable"])})


@extend_schema(tags=["liveness"])
class LivenessView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Liveness: the web process runs and its database answers",
                   responses={200: LivenessSerializer, 503: LivenessSerializer}, auth=[])
    def get(self, request):
        ok = liveness()["ok"]
        return Response({"status": "ok" if ok else "unavailable"}, status=200 if ok else 503)
