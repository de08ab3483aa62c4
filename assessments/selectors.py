"""Reads of the assessment data that pages, commands and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from assessments.models import AuditEntry, Block, Participation, Period, Submission


@dataclass(frozen=True)
class BlockMembers:
    block: Block
    participations: list[Participation]


def reviewable_submissions(user: Any) -> QuerySet[Submission]:
    """The one place that decides which submissions a user may appraise: admins all, reviewers
    those of their assigned blocks and periods, except units they are an officer of."""
    if not user.is_authenticated:
        return Submission.objects.none()
    if user.is_staff:
        return Submission.objects.all()
    return Submission.objects.reviewed_by(user).exclude(unit__officer_memberships__user=user)


def officer_participations(user: Any) -> QuerySet[Participation]:
    """The participations whose values a user may enter: those of the units they are an officer
    of (the one place that decides it; pages answer 404 for any other)."""
    if not user.is_authenticated:
        return Participation.objects.none()
    return Participation.objects.select_related("unit", "period", "block").filter(
        unit__officer_memberships__user=user
    )


def latest_period() -> Period | None:
    return Period.objects.order_by("-year").first()


def period_membership(period: Period) -> list[BlockMembers]:
    """The period's units grouped by the block they are ranked in that year, in one query."""
    participations = (
        Participation.objects.filter(period=period)
        .select_related("unit", "block")
        .order_by("block__order", "unit__name")
    )
    groups: dict[int, BlockMembers] = {}
    for participation in participations:
        members = groups.setdefault(
            participation.block_id, BlockMembers(block=participation.block, participations=[])
        )
        members.participations.append(participation)
    return list(groups.values())


# A submission's history on its pages shows this many latest entries unless asked for all.
TIMELINE_LATEST = 30


@dataclass(frozen=True)
class Timeline:
    entries: list[AuditEntry]  # oldest first
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.entries)


def submission_timeline(submission: Submission, *, everything: bool = False) -> Timeline:
    """The history shown on a submission's pages: the latest entries, or all of them.

    Every autosave of a changed value is an entry, so a busy submission collects hundreds; the
    pages show the latest ones and link to the whole history (nothing is ever left out of it).
    """
    entries = submission.audit_entries.select_related("actor")
    total = entries.count()
    if everything or total <= TIMELINE_LATEST:
        return Timeline(entries=list(entries), total=total)
    latest = list(entries.order_by("-at", "-pk")[:TIMELINE_LATEST])
    return Timeline(entries=latest[::-1], total=total)
