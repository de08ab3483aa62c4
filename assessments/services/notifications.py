"""Tell the people concerned when a submission moves: a message in the portal and an e-mail."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from assessments.models import Notification, ReviewerAssignment, Submission

logger = logging.getLogger(__name__)

SUBJECTS = {
    Notification.Kind.SUBMITTED: _("%(unit)s submitted its self-assessment %(year)s"),
    Notification.Kind.RETURNED: _("Self-assessment %(year)s of %(unit)s returned for revision"),
    Notification.Kind.APPROVED: _("Self-assessment %(year)s of %(unit)s approved"),
    Notification.Kind.REOPENED: _("Self-assessment %(year)s of %(unit)s reopened for appraisal"),
}


def officers_of(submission: Submission) -> list[User]:
    return list(User.objects.filter(unit_memberships__unit=submission.unit, is_active=True))


def reviewers_of(submission: Submission) -> list[User]:
    block_id = submission.unit.participations.get(period=submission.period).block_id
    return list(
        User.objects.filter(
            pk__in=ReviewerAssignment.objects.filter(
                period=submission.period, block_id=block_id
            ).values("user_id"),
            is_active=True,
        )
    )


def notify(
    *,
    submission: Submission,
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    reason: str = "",
) -> list[Notification]:
    """Create one portal notification per recipient (not the actor) and e-mail them on commit."""
    subject = str(SUBJECTS[Notification.Kind(kind)]) % {
        "unit": submission.unit.name,
        "year": submission.period.year,
    }
    message = f"{subject}. {reason}".strip() if reason else subject
    people = {user.pk: user for user in recipients if actor is None or user.pk != actor.pk}
    notifications = Notification.objects.bulk_create(
        Notification(user=user, submission=submission, kind=kind, message=message)
        for user in people.values()
    )
    addresses = [user.email for user in people.values() if user.email]
    if addresses:
        transaction.on_commit(lambda: _send(subject, message, addresses))
    return notifications


def _send(subject: str, message: str, addresses: list[str]) -> None:
    """E-mail is a courtesy: the portal notification exists whether or not the mail goes out."""
    try:
        send_mail(subject, message, None, addresses)
    except Exception:
        logger.exception("Could not send the notification e-mail %r", subject)
