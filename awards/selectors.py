"""Reads of awards. Public reads start from published periods, so nothing unpublished leaks."""

from __future__ import annotations

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from assessments.models import Period, Unit
from awards.models import Award, Certificate
from rankings.models import Publication


def _published_period_ids() -> QuerySet:
    return Publication.objects.filter(is_current=True).values("period_id")


def awards_for_public(period: Period) -> list[Award]:
    """The confirmed awards of a published period in list order; none for an unpublished one."""
    return list(
        Award.objects.filter(period=period, period__in=_published_period_ids())
        .confirmed()
        .select_related("unit", "unit__block")
        .in_list_order()
    )


def awards_for_unit(unit: Unit) -> list[Award]:
    """A unit's confirmed awards of published periods, newest first."""
    return list(
        Award.objects.filter(unit=unit, period__in=_published_period_ids())
        .confirmed()
        .select_related("period")
        .order_by("-period__year")
    )


def award_for_verification(code: str) -> Award | None:
    """The award behind a verification code, only if confirmed in a published period."""
    return (
        Award.objects.filter(
            verification_code=code.strip().upper(), period__in=_published_period_ids()
        )
        .confirmed()
        .select_related("unit", "period")
        .prefetch_related(
            Prefetch("certificates", queryset=Certificate.objects.order_by("-version"))
        )
        .first()
    )


def verification_status(award: Award) -> str:
    """valid, revoked or reissued (the latest certificate's); ``valid`` before any is issued."""
    certificates = list(award.certificates.all())
    if not certificates:
        return Certificate.Status.VALID
    latest = certificates[0]
    if latest.status == Certificate.Status.VALID and latest.version > 1:
        return Certificate.Status.REISSUED
    return latest.status


def public_awards_token() -> str:
    """Changes whenever an award is confirmed or rejected (one small query)."""
    state = Award.objects.aggregate(
        confirmed=Count("pk", filter=Q(status=Award.Status.CONFIRMED)), last=Max("decided_at")
    )
    last = state["last"].timestamp() if state["last"] else 0
    return f"awards.{state['confirmed']}.{last:.6f}"
