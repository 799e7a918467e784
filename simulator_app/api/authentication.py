"""Token authentication under both keywords clients use: `Token <key>` (DRF's) and
`Bearer <key>` (what the platform's pollers, and hsim's own /bulk/value client, send)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer keyword as its own scheme (DRF's Token one is built in)."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
