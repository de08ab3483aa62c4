"""Request handling the whole portal shares: HEAD answered without a body, a clear 503 while
the database is unreachable, a 400 for a NUL character in the address, a log line for every
refused access, the idle session timeout, and the page of a blocked login."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _

from hanoi_ict.logging import client_address, security_event

database_log = logging.getLogger("hanoi_ict.database")

# What psycopg and sqlite raise, through Django, when the server is down, restarting or gone.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client is asked to wait (Retry-After) before trying again.
RETRY_AFTER_SECONDS = 10


# What a PDF shown in the browser gets instead of the pages' policy: Chrome draws it in a page of
# its own, an <embed> with inline styles, which `object-src 'none'` and the pages' style-src
# would block (crbug.com/271452); and the review page previews evidence PDFs in a frame of ours.
PDF_CSP = {"frame-ancestors": [CSP.SELF]}


class HeadWithoutBodyMiddleware:
    """Answer HEAD with GET's headers, its ``Content-Length`` included, and no body.

    Django leaves dropping the body to the WSGI server. gunicorn drops it, and logs a warning
    for every such answer ("WSGI app sent body bytes on a no-body response"), so the HEAD
    requests of uptime monitors and link checkers would fill the production log. First in
    ``MIDDLEWARE``, so it sees every answer, those of the other middleware included.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method != "HEAD":
            return response
        if response.streaming:
            # A file stays among the response's closers: the server's close() closes it.
            response.streaming_content = []  # type: ignore[attr-defined]
        elif isinstance(response, HttpResponse) and response.content:
            response.headers.setdefault("Content-Length", str(len(response.content)))
            response.content = b""
        return response


class InlinePdfMiddleware:
    """PDFs: Content-Security-Policy ``frame-ancestors 'self'`` and ``X-Frame-Options:
    SAMEORIGIN`` (see ``PDF_CSP``); a PDF holds no HTML, so the rest of the policy protects
    nothing there. Other responses keep the site-wide policy and ``DENY``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/pdf"):
            response._csp_config = PDF_CSP  # type: ignore[attr-defined]
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a short page (JSON under /api/), built without touching the database."""
    message = _(
        "The portal cannot reach its database at the moment. Please try again in a few minutes."
    )
    if is_api(request):
        # The API's error shape (assessments/api.py): detail and code.
        response: HttpResponse = JsonResponse(
            {"detail": message, "code": "service_unavailable"}, status=503
        )
    else:
        # No request context: the context processors would read the session, i.e. the database.
        body = render_to_string("503.html", {"message": message, "path": request.get_full_path()})
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 (never a 500 traceback page) while the database is unreachable.

    A view's exception arrives in ``process_exception``. One raised elsewhere (a middleware, an
    error page) has already become Django's 500 page; ``hanoi_ict.signals`` marks the request
    when that exception was a database one, and ``__call__`` swaps the 500 for the 503.
    Recovery needs nothing: Django closes a connection that failed at the end of the request
    (and checks a persistent one before reusing it, ``CONN_HEALTH_CHECKS``), so the first
    request after the database is back connects afresh.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        log_database_unavailable(request, exception)
        return database_unavailable_response(request)


def log_database_unavailable(request: HttpRequest, exception: BaseException) -> None:
    database_log.warning(
        "Database unavailable: %s",
        str(exception).strip().splitlines()[0] if str(exception).strip() else "",
        extra={
            "event": "database_unavailable",
            "error": type(exception).__name__,
            "method": request.method,
            "path": request.path,
        },
    )


class RefuseNulMiddleware:
    """Answer 400 to an address whose path or query carries a NUL character (``%00``).

    No page of the portal takes one, PostgreSQL refuses it in any text it is given, and it is a
    classic of attacks on file names: it is turned away before any view sees it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            message = _("The address contains a character that is not allowed (NUL).")
            response: HttpResponseBase
            if is_api(request):
                response = JsonResponse({"detail": message, "code": "parse_error"}, status=400)
            else:
                response = HttpResponse(
                    message, status=400, content_type="text/plain; charset=utf-8"
                )
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class RefusedAccessLogMiddleware:
    """Log every 401 and 403 answer (a missing permission, a CSRF failure, a bad API token) to
    ``hanoi_ict.security`` with who asked, for what and from where.

    The working pages answer 404, not 403, for another unit's records (nobody learns they
    exist), so a 404 to a logged-in user is logged too, as ``not_found``. It sits outside the
    session middleware: reading ``request.user`` here can no longer add ``Vary: Cookie`` to the
    answer, and only those answers read it at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        status = response.status_code
        if status in (401, 403):
            security_event(
                "access_refused",
                f"Access refused: {request.method} {request.path} ({status})",
                request=request,
                level=logging.WARNING,
                status=status,
                username=_username(request),
            )
        elif status == 429 and not getattr(request, "axes_locked_out", False):
            # Throttled (the API's token login); a blocked login is logged as login_blocked.
            security_event(
                "rate_limited",
                f"Too many requests: {request.method} {request.path}",
                request=request,
                level=logging.WARNING,
                status=status,
            )
        elif status == 404 and settings.SESSION_COOKIE_NAME in request.COOKIES:
            username = _username(request)
            if username is not None:
                security_event(
                    "not_found",
                    f"Not found for {username}: {request.method} {request.path}",
                    request=request,
                    status=status,
                    username=username,
                )
        return response


def _username(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    try:
        return user.get_username() if user is not None and user.is_authenticated else None
    except DatabaseError:  # the session could not be read: still log the refusal
        return None


# The session key holding when the session's expiry was last pushed back (a Unix time).
SESSION_REFRESHED_AT = "_refreshed_at"
# Push the expiry back at most once a minute, not on every request (each push is a write).
SESSION_REFRESH_SECONDS = 60


class IdleSessionMiddleware:
    """Log out a session idle for ``SESSION_COOKIE_AGE`` seconds.

    Each working page a logged-in user opens pushes the session's expiry back (at most once a
    minute); the session store refuses an expired session, so after that much inactivity the
    next request is anonymous and the login page asks again. Public pages are left alone: they
    never read or save the session, so they set no cookie (``SESSION_SAVE_EVERY_REQUEST`` would
    send the session cookie again on them).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if getattr(view_func, "public_page", False):
            return None
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        try:
            authenticated = request.user.is_authenticated  # reads the session
        except DATABASE_UNAVAILABLE as exc:  # before the view: process_exception won't see it
            log_database_unavailable(request, exc)
            return database_unavailable_response(request)
        if authenticated:
            now = int(timezone.now().timestamp())
            if now - request.session.get(SESSION_REFRESHED_AT, 0) >= SESSION_REFRESH_SECONDS:
                request.session[SESSION_REFRESHED_AT] = now
        return None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a blocked login (``AXES_LOCKOUT_CALLABLE``): 429, with when to
    try again, on a Vietnamese page (JSON under /api/)."""
    retry_at = _unlocks_at(request, credentials)
    seconds = max(1, math.ceil((retry_at - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    if is_api(request) or request.headers.get("x-requested-with") == "XMLHttpRequest":
        response: HttpResponse = JsonResponse(
            {
                "detail": _("Too many failed login attempts. Try again in %(minutes)d minutes.")
                % {"minutes": minutes},
                "code": "login_blocked",
                "retry_after": seconds,
            },
            status=429,
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {
                "retry_at": retry_at,
                "minutes": minutes,
                "failure_limit": settings.AXES_FAILURE_LIMIT,
                "window_minutes": int(_cool_off().total_seconds() // 60),
            },
            status=429,
        )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def _cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def _unlocks_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime:
    """When the newest failure that counts against this username or address has cooled off: at
    that time neither the account nor the address is blocked any more."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    matching = Q(ip_address=address)
    if username:
        matching |= Q(username=username)
    newest = AccessAttempt.objects.filter(matching).aggregate(newest=Max("attempt_time"))["newest"]
    return (newest or timezone.now()) + _cool_off()
