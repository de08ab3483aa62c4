"""What every resource of the API shares: the error shape (``ErrorSerializer``,
``exception_handler``), pagination, CSV exports, and the base of the public resources."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import exception_handler as drf_exception_handler

from assessments import spreadsheets
from assessments.serializers import ErrorSerializer

# DRF's own messages that neither its Vietnamese catalogue nor Django's translates; listed here
# so that the portal's catalogue does.
DRF_MESSAGES = (
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop("Invalid token."),
    gettext_noop("Invalid token header. No credentials provided."),
    gettext_noop("Invalid page."),
    gettext_noop("Request was throttled."),
    gettext_noop("Malformed request."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("This field may not be null."),
    gettext_noop("A valid integer is required."),
    gettext_noop("A valid number is required."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop("Ensure this field has no more than {max_length} characters."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("Ensure that there are no more than {max_digits} digits in total."),
    gettext_noop("Ensure that there are no more than {max_decimal_places} decimal places."),
    gettext_noop("The submitted data was not a file. Check the encoding type on the form."),
)

# Public answers may be kept this long by browsers and shared caches, as the public pages.
PUBLIC_MAX_AGE = 300


# Public answers may be kept this long by browsers and shared caches, as the public pages.
PUBLIC_MAX_AGE = 300


# --- errors --------------------------------------------------------------------------------------


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The submission changed since you read it.")
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with every error in one shape: ``detail``, ``code`` and maybe ``errors``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # not Django's "No <Model> matches the given query."
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _error_body(response.data, default_code=_default_code(exc))
    return response


def _default_code(exc: Exception) -> str:
    return str(getattr(exc, "default_code", "error"))


def _error_body(data: Any, *, default_code: str) -> dict[str, Any]:
    if isinstance(data, dict) and set(data) == {"detail"}:
        detail = data["detail"]
        return {"detail": str(detail), "code": str(getattr(detail, "code", default_code))}
    errors = data if isinstance(data, dict) else {"non_field_errors": data}
    message = _first_message(errors) or _("The request is not valid.")
    return {"detail": message, "code": "invalid", "errors": errors}


def _first_message(errors: Any) -> str | None:
    if isinstance(errors, str):
        return str(errors)
    items = errors.values() if isinstance(errors, dict) else errors
    for item in items if isinstance(items, Iterable) else ():
        found = _first_message(item)
        if found:
            return found
    return None


ERROR_DESCRIPTIONS = {
    400: "The request is not valid; `errors` says what, by field or indicator.",
    401: "Not logged in: no session, no token, or an invalid token.",
    403: "Logged in but not allowed, or a session request without its CSRF token.",
    404: "No such object, or not one you may see; or a page past the last.",
    409: "The submission changed since you read it (stale version), or its status no longer "
    "allows this action. Read it again.",
    429: "Too many attempts: wait (see Retry-After) and try again.",
}


def error_responses(*codes: int, media_type: str | None = None) -> dict[Any, OpenApiResponse]:
    """OpenAPI responses of the given error statuses, all with ``ErrorSerializer``."""
    return {
        ((code, media_type) if media_type else code): OpenApiResponse(
            ErrorSerializer, description=str(ERROR_DESCRIPTIONS[code])
        )
        for code in codes
    }


# --- shared pieces -------------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """Every list: ``?page=N`` (50 a page), ``?page_size=`` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CSVRenderer(BaseRenderer):
    """Lets ``Accept: text/csv`` or ``?format=csv`` choose an export's CSV (the views write it)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return data if isinstance(data, bytes) else str(data).encode("utf-8")


def csv_response(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], filename: str
) -> HttpResponse:
    """A UTF-8 CSV download: a header row, then the rows (None written as an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(
        ["" if value is None else spreadsheets.as_written(value) for value in row] for row in rows
    )
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ExportMixin:
    """Errors of an export are JSON even when CSV was asked for."""

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if (
            isinstance(response, Response)
            and response.status_code >= 400
            and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


def export_responses(json_serializer: type[Serializer], *errors: int) -> dict[Any, Any]:
    return {
        (200, "application/json"): json_serializer(many=True),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8, header row"),
        **error_responses(*errors, media_type="application/json"),
    }


class PublicViewSet(viewsets.GenericViewSet):
    """Published data: anyone may read it; no session is read, so answers are cacheable."""

    authentication_classes: Sequence[type] = ()
    permission_classes = (AllowAny,)
    pagination_class = Pagination

    @classmethod
    def as_view(cls, actions: dict[str, str] | None = None, **initkwargs: Any) -> Any:
        view = super().as_view(actions, **initkwargs)
        # As the public pages: the middlewares leave the session and the language cookie alone.
        view.public_page = True
        return view

    def finalize_response(
        self, request: Request, response: HttpResponse, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        return response


def natural_key_lookup(value: str, *, digits: bool = False) -> str | int:
    """A path's key as the lookups expect it; anything else is simply not found."""
    if digits:
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise exceptions.NotFound()
        return int(value)
    return value
