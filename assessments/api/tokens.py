"""Tokens for machines: ``POST /api/v1/auth/token/``, throttled per client address."""

from __future__ import annotations

from collections.abc import Sequence

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.serializers import CharField, IntegerField, Serializer
from rest_framework.throttling import ScopedRateThrottle

from assessments.api.common import ERROR_DESCRIPTIONS, error_responses
from hanoi_ict.api_parsers import JSONParser
from hanoi_ict.logging import client_address


class TokenSerializer(Serializer):
    token = CharField(help_text="Send it as the header `Authorization: Token <token>`.")


class TooManySerializer(Serializer):
    """429: throttled (this API) or a blocked login (the portal's lockout)."""

    detail = CharField()
    code = CharField(required=False)
    retry_after = IntegerField(required=False, help_text="Seconds to wait.")


class TokenLoginThrottle(ScopedRateThrottle):
    """Per client address, as the login lockout reads it (behind the trusted proxies)."""

    def get_ident(self, request: Request) -> str:
        return client_address(request) or super().get_ident(request)


@extend_schema(
    summary="Obtain an API token",
    description=(
        "Exchange a username and password for the user's token (the same token each time, "
        "until an admin deletes it). Limited to a few attempts a minute per client."
    ),
    request=AuthTokenSerializer,
    responses={
        200: TokenSerializer,
        **error_responses(400),
        429: OpenApiResponse(TooManySerializer, description=str(ERROR_DESCRIPTIONS[429])),
    },
    tags=["auth"],
)
class ObtainTokenView(ObtainAuthToken):
    """``POST /api/v1/auth/token/``: a machine's token, throttled (scope ``api-auth``)."""

    # A login form of its own: no session is read, so no CSRF token is needed to ask.
    authentication_classes: Sequence[type] = ()
    throttle_classes = (TokenLoginThrottle,)
    throttle_scope = "api-auth"
    parser_classes = (FormParser, MultiPartParser, JSONParser)
