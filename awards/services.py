"""Every write of the awards app: rules, proposals, decisions, certificates — each audited.

Proposals read the period's results from its current published version when the period is
published (what the public sees is what is awarded), else from the working results, so admins
can propose before publishing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Indicator, Period, Unit
from awards import rendering, selection
from awards.models import (
    DEFAULT_RULES,
    SORT_KEYS,
    Award,
    AwardEvent,
    AwardRule,
    AwardSettings,
    Category,
    Certificate,
    CertificateBatch,
)
from rankings.models import Publication, PublishedResult, Result
from rankings.public import forget_public_state

logger = logging.getLogger(__name__)

DEMO_DECISION_NUMBER = "…/QĐ-UBND (số minh họa — quyết định năm 2014 không được công bố)"
DEMO_DECISION_DATE = dt.date(2015, 7, 19)


class AwardError(Exception):
    """The action does not apply to the award or period as they stand."""


def base_url() -> str:
    """Where the public verification page lives, as printed in the QR code."""
    return settings.PORTAL_BASE_URL.rstrip("/")


def verify_url(code: str) -> str:
    with translation.override("vi"):  # the unprefixed (Vietnamese) address
        return base_url() + reverse("awards:verify", args=[code])


def _audit(
    *,
    award: Award,
    action: str,
    actor: User | None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AwardEvent:
    return AwardEvent.objects.create(
        award=award, action=action, actor=actor, before=before, after=after, reason=reason
    )


# --- rules and settings -------------------------------------------------------------------------


def ensure_rules(period: Period) -> list[AwardRule]:
    """The period's rules, created with the 2014 values (DOMAIN.md §6) where missing."""
    for category, (position, quota, ordering) in DEFAULT_RULES.items():
        AwardRule.objects.get_or_create(
            period=period,
            category=category,
            defaults={"position": position, "quota": quota, "ordering": ordering},
        )
    AwardSettings.objects.get_or_create(period=period)
    return list(AwardRule.objects.filter(period=period).order_by("position"))


def rules_locked(period: Period) -> bool:
    """Rules are editable until the first award of the period is confirmed."""
    return Award.objects.filter(period=period, status=Award.Status.CONFIRMED).exists()


def validate_ordering(ordering: object) -> list[str]:
    if not isinstance(ordering, list) or not ordering:
        raise AwardError(_("The ordering is a non-empty list of sort keys."))
    for key in ordering:
        if not isinstance(key, str) or key.lstrip("-") not in SORT_KEYS or key == "-name":
            raise AwardError(_("Unknown sort key: %(key)s.") % {"key": key})
    return ordering


@transaction.atomic
def update_rule(*, rule: AwardRule, quota: int, ordering: list[str], position: int) -> AwardRule:
    if rules_locked(rule.period):
        raise AwardError(_("Awards of this period are confirmed: its rules can no longer change."))
    rule.quota = quota
    rule.ordering = validate_ordering(ordering)
    rule.position = position
    rule.save()
    return rule


# --- candidates and proposals -------------------------------------------------------------------


def _current_publication(period: Period) -> Publication | None:
    return Publication.objects.filter(period=period, is_current=True).first()


def period_results(period: Period) -> QuerySet[Result] | QuerySet[PublishedResult]:
    """The results awards are chosen from: the current published version, else the working ones."""
    publication = _current_publication(period)
    if publication is not None:
        return PublishedResult.objects.filter(publication=publication)
    return Result.objects.filter(period=period)


def _previous_indexes(period: Period) -> dict[int, tuple[int, Decimal]]:
    """unit id → (block id, index) in the latest earlier period with results."""
    previous = (
        Period.objects.filter(year__lt=period.year, results__isnull=False)
        .distinct()
        .order_by("-year")
        .first()
    )
    if previous is None:
        return {}
    return {
        unit_id: (block_id, index)
        for unit_id, block_id, index in period_results(previous).values_list(
            "unit_id", "block_id", "index"
        )
        if index is not None
    }


def candidates_of(period: Period) -> list[selection.Candidate]:
    """Every ranked unit of the period as a selection candidate (one query per table)."""
    online = dict(
        Indicator.objects.filter(framework__period=period, online_service=True).values_list(
            "code", "kind"
        )
    )
    level34_codes = {code for code, kind in online.items() if kind == Indicator.Kind.COUNT}
    previous = _previous_indexes(period)
    rows = (
        period_results(period)
        .filter(rank__isnull=False)
        .select_related("unit", "block")
        .order_by("block__order", "rank", "unit__name")
    )
    candidates = []
    for row in rows:
        if row.index is None or row.rank is None:  # ranked rows always have both
            continue
        points = maximum = level34 = Decimal(0)
        for entry in row.explanation:
            if entry["code"] not in online:
                continue
            points += Decimal(entry["points"])
            maximum += Decimal(entry["max_points"])
            if entry["code"] in level34_codes:
                level34 += Decimal(str((entry.get("value") or {}).get("count") or 0))
        before = previous.get(row.unit_id)
        if before is None and row.unit.predecessor_id:
            before = previous.get(row.unit.predecessor_id)
        gain = row.index - before[1] if before and before[0] == row.block_id else None
        candidates.append(
            selection.Candidate(
                unit_id=row.unit_id,
                unit_code=row.unit.code,
                unit_name=row.unit.name,
                block_code=row.block.code,
                grade=row.grade,
                index=row.index,
                rank=row.rank,
                rank_change=row.rank_change,
                online_points=points,
                online_max=maximum,
                level34_services=level34,
                index_gain=gain,
            )
        )
    return candidates


@dataclass
class ProposalOutcome:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # decided awards the proposal left as they are
    warnings: list[str] = field(default_factory=list)


def _tie_warning(category: str, quota: int, codes: list[str]) -> str:
    return _(
        "%(category)s: units tied across the quota of %(quota)s are all proposed: %(units)s."
    ) % {"category": Category(category).label, "quota": quota, "units": ", ".join(codes)}


@transaction.atomic
def propose_awards(*, period: Period, actor: User | None = None) -> ProposalOutcome:
    """Propose the period's awards from its results and rules; idempotent.

    Proposed awards follow the rules again; confirmed and rejected ones are decisions and stay.
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    rules = ensure_rules(period)
    chosen = selection.select(
        candidates_of(period),
        [selection.Rule(r.category, r.quota, r.ordering, r.position) for r in rules if r.quota > 0],
    )
    positions = {r.category: r.position for r in rules}
    existing = {a.unit_id: a for a in Award.objects.filter(period=period)}
    outcome = ProposalOutcome()
    proposed_units = set()
    for proposal in chosen.proposals:
        unit_id = proposal.candidate.unit_id
        proposed_units.add(unit_id)
        values = {
            "category": proposal.category,
            "category_position": positions[proposal.category],
            "position": proposal.position,
            "why": proposal.why,
        }
        award = existing.get(unit_id)
        if award is None:
            award = Award.objects.create(period=period, unit_id=unit_id, **values)
            _audit(award=award, action=AwardEvent.Action.PROPOSED, actor=actor, after=values)
            outcome.created += 1
        elif award.status != Award.Status.PROPOSED or award.source != Award.Source.RULES:
            outcome.kept += 1
        elif any(getattr(award, k) != v for k, v in values.items()):
            before = {k: getattr(award, k) for k in values}
            Award.objects.filter(pk=award.pk).update(**values)
            _audit(
                award=award,
                action=AwardEvent.Action.PROPOSED,
                actor=actor,
                before=before,
                after=values,
            )
            outcome.updated += 1
    stale = [
        a
        for a in existing.values()
        if a.unit_id not in proposed_units
        and a.status == Award.Status.PROPOSED
        and a.source == Award.Source.RULES
    ]
    for award in stale:
        if not award.events.exclude(action=AwardEvent.Action.PROPOSED).exists():
            award.events.all().delete()
            award.delete()
            outcome.removed += 1
    outcome.warnings = [_tie_warning(*tie) for tie in chosen.ties]
    AwardSettings.objects.filter(period=period).update(
        proposal_warnings=outcome.warnings, proposed_at=timezone.now()
    )
    return outcome


# --- decisions ----------------------------------------------------------------------------------


def _next_register_number() -> int:
    return (Award.objects.aggregate(last=Max("register_number"))["last"] or 0) + 1


@transaction.atomic
def confirm_award(*, award: Award, actor: User | None, reason: str = "") -> Award:
    """Confirm an award: fix its decision, signatory and register number (số sổ vàng)."""
    award = Award.objects.select_for_update().select_related("period").get(pk=award.pk)
    if award.status == Award.Status.CONFIRMED:
        return award
    decision = AwardSettings.objects.filter(period=award.period).first()
    if decision is None or not decision.decision_number or not decision.decision_date:
        raise AwardError(_("Enter the decision number and date of the period before confirming."))
    city = award.category == Category.BANG_KHEN
    before = {"status": award.status}
    award.status = Award.Status.CONFIRMED
    award.register_number = award.register_number or _next_register_number()
    award.decision_number = decision.decision_number
    award.decision_date = decision.decision_date
    award.place_and_date = decision.place_and_date or (
        f"Hà Nội, {rendering.vietnamese_date(decision.decision_date)}"
    )
    award.signatory_title = (
        decision.city_signatory_title if city else decision.committee_signatory_title
    )
    award.signatory_name = (
        decision.city_signatory_name if city else decision.committee_signatory_name
    )
    award.achievement = decision.achievement or rendering.ACHIEVEMENTS[award.category].format(
        year=award.period.year
    )
    award.decided_at = timezone.now()
    award.decided_by = actor
    if reason:
        award.reason = reason
    award.save()
    transaction.on_commit(forget_public_state)
    _audit(
        award=award,
        action=AwardEvent.Action.CONFIRMED,
        actor=actor,
        before=before,
        after={"status": award.status, "register_number": award.register_number},
        reason=reason,
    )
    return award


@transaction.atomic
def reject_award(*, award: Award, actor: User | None, reason: str) -> Award:
    award = Award.objects.select_for_update().get(pk=award.pk)
    if not reason.strip():
        raise AwardError(_("Say why the award is rejected."))
    if award.certificates.exists():
        raise AwardError(_("A certificate was issued for this award: revoke it instead."))
    before = {"status": award.status}
    award.status = Award.Status.REJECTED
    award.reason = reason.strip()
    award.decided_at = timezone.now()
    award.decided_by = actor
    award.save()
    transaction.on_commit(forget_public_state)
    _audit(
        award=award,
        action=AwardEvent.Action.REJECTED,
        actor=actor,
        before=before,
        after={"status": award.status},
        reason=award.reason,
    )
    return award


@transaction.atomic
def add_award(
    *, period: Period, unit: Unit, category: str, actor: User | None, reason: str
) -> Award:
    """An admin's award for a unit the rules did not propose (a reason is required)."""
    if not reason.strip():
        raise AwardError(_("Say why the unit is added."))
    existing = Award.objects.filter(period=period, unit=unit).first()
    if existing is not None and existing.status != Award.Status.REJECTED:
        raise AwardError(
            _("%(unit)s already has an award in %(year)s.") % {"unit": unit, "year": period.year}
        )
    if existing is not None and existing.certificates.exists():
        raise AwardError(_("A certificate was issued for this award: revoke it instead."))
    rules = {r.category: r.position for r in ensure_rules(period)}
    row = period_results(period).filter(unit=unit).select_related("block").first()
    why: dict[str, object] = {"added": True}
    if row is not None and row.rank is not None:
        why |= {
            "block": row.block.code,
            "grade": row.grade,
            "rank": row.rank,
            "index": str(row.index),
        }
    values = {
        "category": category,
        "category_position": rules[category],
        "position": Award.objects.filter(period=period, category=category).count() + 1,
        "status": Award.Status.PROPOSED,
        "source": Award.Source.ADMIN,
        "why": why,
        "reason": reason.strip(),
    }
    if existing is None:
        award = Award.objects.create(period=period, unit=unit, **values)
    else:
        award = existing
        for name, value in values.items():
            setattr(award, name, value)
        award.save()
    _audit(
        award=award,
        action=AwardEvent.Action.ADDED,
        actor=actor,
        after={"category": category},
        reason=award.reason,
    )
    return award


# --- certificates -------------------------------------------------------------------------------


def certificate_content(award: Award) -> rendering.CertificateContent:
    emblem = ""
    decision = AwardSettings.objects.filter(period_id=award.period_id).first()
    if decision is not None and decision.emblem:
        emblem = Path(decision.emblem.path).as_uri()
    return rendering.CertificateContent(
        category=award.category,
        unit_name=award.unit.name,
        achievement=award.achievement,
        decision_number=award.decision_number,
        decision_date_line=rendering.vietnamese_date(award.decision_date)
        if award.decision_date
        else "",
        register_number=award.register_number,
        place_and_date=award.place_and_date,
        signatory_title=award.signatory_title,
        signatory_name=award.signatory_name,
        verification_code=award.verification_code,
        verify_url=verify_url(award.verification_code),
        emblem_uri=emblem,
    )


def current_certificate(award: Award) -> Certificate | None:
    return award.certificates.filter(status=Certificate.Status.VALID).first()


def _store(award: Award, pdf: bytes, *, version: int, actor: User | None, size: str) -> Certificate:
    certificate = Certificate(
        award=award,
        version=version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        page_size=size,
        issued_at=timezone.now(),
        issued_by=actor,
    )
    certificate.pdf.save(f"{award.verification_code}-v{version}.pdf", ContentFile(pdf), save=False)
    certificate.save()
    return certificate


def issue_certificates(
    *,
    awards: Sequence[Award],
    actor: User | None = None,
    size: str = "a4",
    progress: Any = None,
) -> tuple[list[Certificate], int]:
    """The valid certificate of each confirmed award, rendering only those not yet issued.

    Returns the certificates (in the awards' order) and how many were reused.
    """
    for award in awards:
        if award.status != Award.Status.CONFIRMED:
            raise AwardError(_("Only confirmed awards get certificates."))
    current = {
        c.award_id: c
        for c in Certificate.objects.filter(award__in=awards, status=Certificate.Status.VALID)
    }
    missing = [a for a in awards if a.pk not in current]
    reused = len(awards) - len(missing)
    if progress:
        progress(reused)
    chunk = 20  # laid out together, stored as they come, so progress moves
    for start in range(0, len(missing), chunk):
        part = missing[start : start + chunk]
        pdfs = rendering.render_each(
            [certificate_content(a) for a in part], rendering.PAGE_SIZES[size]
        )
        for award, pdf in zip(part, pdfs, strict=True):
            with transaction.atomic():
                latest = award.certificates.aggregate(v=Max("version"))["v"] or 0
                certificate = _store(award, pdf, version=latest + 1, actor=actor, size=size)
                _audit(
                    award=award,
                    action=AwardEvent.Action.ISSUED,
                    actor=actor,
                    after={"version": certificate.version, "sha256": certificate.sha256},
                )
            current[award.pk] = certificate
        if progress:
            progress(reused + min(start + chunk, len(missing)))
    return [current[a.pk] for a in awards], reused


def issue_certificate(*, award: Award, actor: User | None = None, size: str = "a4") -> Certificate:
    """The award's certificate: rendered and stored the first time, the same bytes afterwards."""
    return issue_certificates(awards=[award], actor=actor, size=size)[0][0]


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, actor: User | None, reason: str) -> Certificate:
    if not reason.strip():
        raise AwardError(_("Say why the certificate is revoked."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.VALID:
        raise AwardError(_("Only a valid certificate can be revoked."))
    certificate.status = Certificate.Status.REVOKED
    certificate.status_changed_at = timezone.now()
    certificate.status_reason = reason.strip()
    certificate.save()
    _audit(
        award=certificate.award,
        action=AwardEvent.Action.REVOKED,
        actor=actor,
        before={"version": certificate.version, "status": "valid"},
        after={"status": certificate.status},
        reason=certificate.status_reason,
    )
    return certificate


def reissue_certificate(
    *, certificate: Certificate, actor: User | None, reason: str
) -> Certificate:
    """Replace a certificate by a new version under the same verification code."""
    if not reason.strip():
        raise AwardError(_("Say why the certificate is reissued."))
    with transaction.atomic():
        old = Certificate.objects.select_for_update().select_related("award").get(pk=certificate.pk)
        if old.status == Certificate.Status.REISSUED:
            raise AwardError(_("This certificate was already replaced."))
        old.status = Certificate.Status.REISSUED
        old.status_changed_at = timezone.now()
        old.status_reason = reason.strip()
        old.save()
        new = issue_certificate(award=old.award, actor=actor, size=old.page_size)
        _audit(
            award=old.award,
            action=AwardEvent.Action.REISSUED,
            actor=actor,
            before={"version": old.version},
            after={"version": new.version},
            reason=old.status_reason,
        )
    return new


def confirmed_awards(period: Period) -> list[Award]:
    return list(
        Award.objects.filter(period=period, status=Award.Status.CONFIRMED)
        .select_related("unit", "period")
        .in_list_order()
    )


def _pack(certificates: Iterable[Certificate], awards: Sequence[Award]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for place, (award, certificate) in enumerate(zip(awards, certificates, strict=True), 1):
            with certificate.pdf.open("rb") as handle:
                archive.writestr(
                    f"{place:03d}-{award.category}-{award.unit.code}.pdf", handle.read()
                )
    return buffer.getvalue()


def run_batch(*, batch: CertificateBatch) -> CertificateBatch:
    """Issue every confirmed award's certificate of the batch's period and pack them.

    Stored certificates are reused; the all-in-one PDF (one HTML document with page breaks) and
    the ZIP of the single PDFs are rebuilt only when the set of certificates changed.
    """
    CertificateBatch.objects.filter(pk=batch.pk).update(status=CertificateBatch.Status.RUNNING)
    try:
        awards = confirmed_awards(batch.period)
        CertificateBatch.objects.filter(pk=batch.pk).update(total=len(awards))

        def progress(done: int) -> None:
            CertificateBatch.objects.filter(pk=batch.pk).update(done=done)

        certificates, reused = issue_certificates(
            awards=awards, actor=batch.requested_by, progress=progress
        )
        fingerprint = hashlib.sha256("".join(c.sha256 for c in certificates).encode()).hexdigest()
        batch.refresh_from_db()
        batch.reused = reused
        batch.fingerprint = fingerprint
        earlier = (
            CertificateBatch.objects.filter(
                period=batch.period, fingerprint=fingerprint, status=CertificateBatch.Status.DONE
            )
            .exclude(pk=batch.pk)
            .exclude(combined_pdf="")
            .first()
        )
        if earlier is not None:
            batch.combined_pdf.name = earlier.combined_pdf.name
            batch.print_pdf.name = earlier.print_pdf.name
            batch.zip_file.name = earlier.zip_file.name
        elif awards:
            year = batch.period.year
            content = [certificate_content(a) for a in awards]
            batch.combined_pdf.save(
                f"bang-khen-{year}-{fingerprint[:12]}-a4.pdf",
                ContentFile(rendering.render_pdf(content, rendering.A4)),
                save=False,
            )
            batch.print_pdf.save(
                f"bang-khen-{year}-{fingerprint[:12]}-400x300.pdf",
                ContentFile(rendering.render_pdf(content, rendering.OFFICIAL)),
                save=False,
            )
            batch.zip_file.save(
                f"bang-khen-{year}-{fingerprint[:12]}.zip",
                ContentFile(_pack(certificates, awards)),
                save=False,
            )
        batch.done = len(awards)
        batch.status = CertificateBatch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save()
    except Exception as exc:
        logger.exception("certificate batch %s failed", batch.pk)
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        raise
    return batch


def start_batch(*, period: Period, actor: User | None) -> CertificateBatch:
    """Queue the certificates of a period as a background task (immediate in tests)."""
    from awards.tasks import build_certificates

    batch = CertificateBatch.objects.create(period=period, requested_by=actor)
    result = build_certificates.enqueue(batch.pk)
    CertificateBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id))
    batch.refresh_from_db()
    return batch


# --- the demo -----------------------------------------------------------------------------------


@transaction.atomic
def load_demo_awards(*, year: int = 2014) -> int:
    """Propose and confirm the demo year's awards with a placeholder decision; idempotent.

    Returns the number of awards confirmed by this call (0 when run again).
    """
    period = Period.objects.get(year=year)
    ensure_rules(period)
    AwardSettings.objects.filter(period=period, decision_number="").update(
        decision_number=DEMO_DECISION_NUMBER,
        decision_date=DEMO_DECISION_DATE,
        place_and_date="Hà Nội, ngày 19 tháng 7 năm 2015",
        city_signatory_title="KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH",
        city_signatory_name="Lê Hồng Sơn",
        committee_signatory_title="TRƯỞNG BAN CHỈ ĐẠO\nPHÓ CHỦ TỊCH UBND THÀNH PHỐ",
        committee_signatory_name="Lê Hồng Sơn",
    )
    if not Award.objects.filter(period=period).exists():
        propose_awards(period=period)
    confirmed = 0
    for award in Award.objects.filter(period=period, status=Award.Status.PROPOSED).in_list_order():
        confirm_award(award=award, actor=None)
        confirmed += 1
    return confirmed
