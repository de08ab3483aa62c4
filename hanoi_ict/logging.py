"""Logs as JSON lines with UTC timestamps, and the security and audit events the portal writes.

Every record becomes one line: ``time`` (UTC, ISO 8601, milliseconds, ``Z``), ``level``,
``logger``, ``message``, then the record's own fields (``event``, ``username``, ``address``…).
A ``request`` passed by Django (``django.security.*``, ``django.request``) is written as its
method, path, address and user agent, never as the whole object.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest

security_log = logging.getLogger("hanoi_ict.security")
audit_log = logging.getLogger("hanoi_ict.audit")

# What every LogRecord has; anything else was given as ``extra`` and is written as a field.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in line:
                line[key] = value
        request = line.pop("request", None)
        if isinstance(request, HttpRequest):
            for key, value in request_fields(request).items():
                line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the
    address the outermost of them saw, read from the right of ``X-Forwarded-For``.

    Entries further left were written by the client and could be anything, so they are never
    believed. The lockout (django-axes, ``AXES_CLIENT_IP_CALLABLE``) and the logs use this.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Fewer hops than proxies: the leftmost one was still written by a proxy we trust.
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def request_fields(request: Any) -> dict[str, Any]:
    """Where a request came from: method, path, address and user agent (at most 255 characters)."""
    return {
        "method": request.method,
        "path": request.path,
        "address": client_address(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
    }


def security_event(
    event: str,
    message: str,
    *,
    request: Any = None,
    level: int = logging.INFO,
    **fields: Any,
) -> None:
    """Write one event to ``hanoi_ict.security``: what happened, to whom, from where."""
    extra = {"event": event, **(request_fields(request) if request is not None else {}), **fields}
    security_log.log(level, message, extra=extra)
