"""POST /bulk/value: the platform's bulk write, through hsim's write path."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from ...services.bulk_values import write_bulk_values
from ..errors import PayloadTooLarge
from ..permissions import org_from_body
from ..schema import errors
from ..serializers.bulk import BulkValueRequestSerializer, WrittenValueSerializer
from ..throttles import BulkValueRateThrottle


@extend_schema(tags=["values (platform contract)"])
class BulkValueView(APIView):
    throttle_classes = [BulkValueRateThrottle]

    @property
    def max_body_bytes(self):  # the parser's limit (api/parsers.py); read per request
        return settings.HSIM_BULK_MAX_BYTES

    @extend_schema(
        summary="Write values to every value database (primary first)",
        description=(
            "Upserts on (entity_id, ts); within a batch the last duplicate wins. Every entity"
            " must be visible to `org_id` (org_entity_permission, not disabled) and the caller"
            " a member of it, else 403 and nothing is written. 503 when the primary database"
            " fails (nothing written); a failing secondary catches up later. Returns the rows"
            " written, one per (entity_id, ts), sorted by entity and time. At most"
            " HSIM_BULK_MAX_VALUES values (default 50,000) and HSIM_BULK_MAX_BYTES (default"
            " 32 MiB) per request, else 413."
        ),
        request=BulkValueRequestSerializer,
        responses={200: WrittenValueSerializer(many=True),
                   **errors(400, 401, 403, 413, 415, 429, 503)},
    )
    def post(self, request):
        check_size(request)
        serializer = BulkValueRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if len(data["values"]) > settings.HSIM_BULK_MAX_VALUES:
            raise PayloadTooLarge(
                f"at most {settings.HSIM_BULK_MAX_VALUES} values per request, got"
                f" {len(data['values'])}: split the batch")
        org = org_from_body(request.user, data["org_id"], denied_status=403)
        rows = write_bulk_values(org, data["values"])
        return Response(rows.to_records(decimals=6))


def check_size(request):
    """Refuse a body over the limit before reading it (DRF's JSON parser reads the stream
    itself, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.HSIM_BULK_MAX_BYTES:
        raise PayloadTooLarge(
            f"request body of {length} bytes exceeds {settings.HSIM_BULK_MAX_BYTES} bytes:"
            " split the batch")
