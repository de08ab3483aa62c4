"""Receivers that turn what happens into log events (see ``hanoi_ict.logging``).

- ``hanoi_ict.security``: every login (succeeded, failed, blocked), every logout;
  refused accesses are logged by ``hanoi_ict.middleware.RefusedAccessLogMiddleware``.
- ``hanoi_ict.audit``: every audit entry of a submission, every award event and every
  publication, once its transaction has committed (a rolled-back change was never made).
- A database error that reached Django's 500 page marks the request, so that
  ``DatabaseUnavailableMiddleware`` answers 503 instead.

Only logging happens here; the records themselves are written by the services.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from functools import partial
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.signals import got_request_exception
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from assessments.models import AuditEntry
from awards.models import AwardEvent
from hanoi_ict.logging import audit_log, security_event
from hanoi_ict.middleware import DATABASE_UNAVAILABLE, log_database_unavailable
from rankings.models import Publication


@receiver(user_logged_in, dispatch_uid="hanoi_ict.log_login")
def log_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    security_event(
        "login_succeeded",
        f"Login succeeded: {user.get_username()}",
        request=request,
        username=user.get_username(),
    )


@receiver(user_login_failed, dispatch_uid="hanoi_ict.log_login_failure")
def log_login_failure(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    username = credentials.get("username")
    security_event(
        "login_failed",
        f"Login failed: {username}",
        request=request,
        level=logging.WARNING,
        username=username,
        # Refused without checking the password because the account or address is blocked.
        blocked=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_locked_out, dispatch_uid="hanoi_ict.log_lockout")
def log_lockout(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    security_event(
        "login_blocked",
        f"Login blocked after repeated failures: {username} from {ip_address}",
        request=request,
        level=logging.WARNING,
        username=username,
        address=ip_address,
    )


@receiver(user_logged_out, dispatch_uid="hanoi_ict.log_logout")
def log_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    username = user.get_username() if user is not None else None
    security_event("logout", f"Logout: {username}", request=request, username=username)


@receiver(got_request_exception, dispatch_uid="hanoi_ict.mark_database_unavailable")
def mark_database_unavailable(sender: Any, request: Any = None, **kwargs: Any) -> None:
    exception = sys.exc_info()[1]
    if request is not None and isinstance(exception, DATABASE_UNAVAILABLE):
        request.database_unavailable = True
        log_database_unavailable(request, exception)


# --- audit ---------------------------------------------------------------------------------------


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def _actor(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _write_audit(message: str, fields: dict[str, Any]) -> None:
    audit_log.info(message, extra=fields)


def _after_commit(using: str, message: str, fields: dict[str, Any]) -> None:
    transaction.on_commit(partial(_write_audit, message, fields), using=using)


@receiver(post_save, sender=AuditEntry, dispatch_uid="hanoi_ict.audit_submission")
def log_audit_entry(sender: Any, instance: AuditEntry, created: bool, using: str, **_: Any) -> None:
    if not created:
        return
    _after_commit(
        using,
        f"Submission {instance.submission_id}: {instance.action} {instance.indicator_code}",
        {
            "event": "submission_changed",
            "record": f"assessments.auditentry:{instance.pk}",
            "submission": instance.submission_id,
            "indicator": instance.indicator_code or None,
            "action": instance.action,
            "actor": _actor(instance.actor),
            "at": _utc(instance.at),
            "before": instance.before,
            "after": instance.after,
            "reason": instance.reason,
        },
    )


@receiver(post_save, sender=AwardEvent, dispatch_uid="hanoi_ict.audit_award")
def log_award_event(sender: Any, instance: AwardEvent, created: bool, using: str, **_: Any) -> None:
    if not created:
        return
    _after_commit(
        using,
        f"Award {instance.award_id}: {instance.action}",
        {
            "event": "award_changed",
            "record": f"awards.awardevent:{instance.pk}",
            "award": instance.award_id,
            "action": instance.action,
            "actor": _actor(instance.actor),
            "at": _utc(instance.at),
            "before": instance.before,
            "after": instance.after,
            "reason": instance.reason,
        },
    )


@receiver(post_save, sender=Publication, dispatch_uid="hanoi_ict.audit_publication")
def log_publication(
    sender: Any, instance: Publication, created: bool, using: str, **_: Any
) -> None:
    if not created:
        return
    _after_commit(
        using,
        f"Published {instance.period.year}, version {instance.version}",
        {
            "event": "results_published",
            "record": f"rankings.publication:{instance.pk}",
            "period": instance.period.year,
            "version": instance.version,
            "actor": _actor(instance.published_by),
            "at": _utc(instance.published_at),
            "note": instance.note,
        },
    )
