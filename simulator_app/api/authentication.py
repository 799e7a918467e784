"""Token authentication under both keywords clients use: `Token <key>` (DRF's) and
`Bearer <key>` (what the platform's pollers, and hsim's own /bulk/value client, send).

Tokens are stored hashed; both keywords resolve through services.tokens.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from ..services.tokens import authenticate_token


class TokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # no header, or another scheme's
        if len(parts) != 2:
            raise AuthenticationFailed("Invalid token header: expected one token and no spaces.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        found = authenticate_token(raw)
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        return found

    def authenticate_header(self, request):
        return self.keyword


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "Token-based authentication with required prefix \"Token\"",
        }


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the Bearer keyword as its own scheme."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
