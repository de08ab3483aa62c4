"""Awards pages: the admins' review, certificates and batches; the public verification page."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Period, Unit
from awards import reports, selectors, services
from awards.forms import AddAwardForm, DecisionForm, ReasonForm, RuleForm
from awards.models import (
    Award,
    AwardEvent,
    AwardRule,
    AwardSettings,
    Category,
    Certificate,
    CertificateBatch,
)


def _review_url(year: int) -> str:
    return reverse("awards:review", args=[year])


@staff_member_required
def review(request: HttpRequest, year: int) -> HttpResponse:
    """Admins: rules, the proposal with each award's why, decisions, certificates, batches."""
    period = get_object_or_404(Period, year=year)
    rules = services.ensure_rules(period)
    decision = AwardSettings.objects.get(period=period)
    awards = list(
        Award.objects.filter(period=period)
        .select_related("unit", "unit__block")
        .prefetch_related("certificates")
        .in_list_order()
    )
    for award in awards:
        award.current = next(
            (c for c in award.certificates.all() if c.status == Certificate.Status.VALID), None
        )
    groups = [
        (label, [a for a in awards if a.category == value]) for value, label in Category.choices
    ]
    return render(
        request,
        "awards/review.html",
        {
            "period": period,
            "rules": rules,
            "locked": services.rules_locked(period),
            "decision": decision,
            "decision_form": DecisionForm(instance=decision),
            "groups": groups,
            "add_form": AddAwardForm(),
            "batch": CertificateBatch.objects.filter(period=period).first(),
            "events": AwardEvent.objects.filter(award__period=period).select_related(
                "award__unit", "actor"
            )[:30],
            "source_is_published": period.publications.filter(is_current=True).exists(),
        },
    )


def _fail(request: HttpRequest, error: Exception) -> None:
    messages.error(request, str(error))


@staff_member_required
@require_POST
def propose(request: HttpRequest, year: int) -> HttpResponse:
    period = get_object_or_404(Period, year=year)
    outcome = services.propose_awards(period=period, actor=request.user)
    messages.success(
        request,
        _("Proposal done: %(created)s new, %(updated)s changed, %(removed)s withdrawn.")
        % {"created": outcome.created, "updated": outcome.updated, "removed": outcome.removed},
    )
    for warning in outcome.warnings:
        messages.warning(request, warning)
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def update_rule(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    rule = get_object_or_404(AwardRule, pk=pk, period__year=year)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.update_rule(
                rule=rule,
                quota=form.cleaned_data["quota"],
                ordering=rule.ordering,
                position=rule.position,
            )
            messages.success(request, _("Rule saved."))
        except services.AwardError as exc:
            _fail(request, exc)
    else:
        messages.error(request, _("The quota is a whole number from 0."))
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def update_decision(request: HttpRequest, year: int) -> HttpResponse:
    period = get_object_or_404(Period, year=year)
    services.ensure_rules(period)
    form = DecisionForm(request.POST, request.FILES, instance=period.award_settings)
    if form.is_valid():
        form.save()
        messages.success(request, _("Decision saved; it applies to awards confirmed from now on."))
    else:
        messages.error(
            request, _("The decision was not saved: %(errors)s") % {"errors": form.errors}
        )
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def confirm(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    award = get_object_or_404(Award, pk=pk, period__year=year)
    try:
        services.confirm_award(
            award=award, actor=request.user, reason=request.POST.get("reason", "")
        )
    except services.AwardError as exc:
        _fail(request, exc)
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def confirm_all(request: HttpRequest, year: int) -> HttpResponse:
    awards = Award.objects.filter(period__year=year, status=Award.Status.PROPOSED).in_list_order()
    try:
        for award in awards:
            services.confirm_award(award=award, actor=request.user)
    except services.AwardError as exc:
        _fail(request, exc)
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def reject(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    award = get_object_or_404(Award, pk=pk, period__year=year)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AwardError(_("Say why the award is rejected."))
        services.reject_award(award=award, actor=request.user, reason=form.cleaned_data["reason"])
    except services.AwardError as exc:
        _fail(request, exc)
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def add(request: HttpRequest, year: int) -> HttpResponse:
    period = get_object_or_404(Period, year=year)
    form = AddAwardForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AwardError(_("Give the unit's code, a category and a reason."))
        unit = Unit.objects.filter(code=form.cleaned_data["unit"]).first()
        if unit is None:
            raise services.AwardError(_("No unit has that code."))
        services.add_award(
            period=period,
            unit=unit,
            category=form.cleaned_data["category"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.AwardError as exc:
        _fail(request, exc)
    return redirect(_review_url(year))


@staff_member_required
@require_POST
def issue(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    award = get_object_or_404(Award, pk=pk, period__year=year)
    try:
        certificate = services.issue_certificate(award=award, actor=request.user)
    except services.AwardError as exc:
        _fail(request, exc)
        return redirect(_review_url(year))
    return redirect("awards:certificate", pk=certificate.pk)


@staff_member_required
def certificate_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """The stored bytes of an issued certificate, exactly as issued."""
    certificate = get_object_or_404(Certificate.objects.select_related("award"), pk=pk)
    return FileResponse(
        certificate.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{certificate.award.verification_code}-v{certificate.version}.pdf",
    )


def _certificate_action(
    request: HttpRequest, pk: int, action: Callable[..., object], refusal: str
) -> HttpResponse:
    """Revoke or reissue a certificate: a reason is required; the service audits it."""
    certificate = get_object_or_404(Certificate.objects.select_related("award__period"), pk=pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise services.AwardError(refusal)
        action(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
    except services.AwardError as exc:
        _fail(request, exc)
    return redirect(_review_url(certificate.award.period.year))


@staff_member_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_action(
        request, pk, services.revoke_certificate, _("Say why the certificate is revoked.")
    )


@staff_member_required
@require_POST
def reissue(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_action(
        request, pk, services.reissue_certificate, _("Say why the certificate is reissued.")
    )


@staff_member_required
@require_POST
def start_batch(request: HttpRequest, year: int) -> HttpResponse:
    period = get_object_or_404(Period, year=year)
    batch = services.start_batch(period=period, actor=request.user)
    return redirect("awards:batch", year=year, pk=batch.pk)


@staff_member_required
def batch(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """Progress of a batch: htmx polls the progress fragment; without JS the page reloads."""
    job = get_object_or_404(
        CertificateBatch.objects.select_related("period"), pk=pk, period__year=year
    )
    template = "awards/batch.html#progress" if request.htmx else "awards/batch.html"
    return render(request, template, {"batch": job, "period": job.period})


@staff_member_required
def batch_file(request: HttpRequest, year: int, pk: int, kind: str) -> FileResponse:
    job = get_object_or_404(CertificateBatch, pk=pk, period__year=year)
    stored = {"pdf": job.combined_pdf, "print": job.print_pdf, "zip": job.zip_file}.get(kind)
    if not stored:
        raise Http404
    return FileResponse(
        stored.open("rb"),
        content_type="application/zip" if kind == "zip" else "application/pdf",
        as_attachment=kind == "zip",
        filename=stored.name.rsplit("/", 1)[-1],
    )


@staff_member_required
def report(request: HttpRequest, year: int) -> HttpResponse:
    """The period's results report as a PDF: block × grade table, chart and award lists."""
    period = get_object_or_404(Period, year=year)
    pdf = reports.results_report_pdf(period)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ket-qua-{year}.pdf"'
    return response


# --- public -------------------------------------------------------------------------------------


# What a verification code can look like (letters, digits and hyphens, as printed); anything else
# is answered "no certificate has this code" without a lookup.
CODE_SHAPE = re.compile(r"[A-Z0-9-]{1,30}", re.ASCII)


def verify(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Public: what a verification code stands for and whether its certificate is valid."""
    if code is None:
        typed = request.GET.get("code", "").strip().upper()
        if typed and CODE_SHAPE.fullmatch(typed):
            return redirect("awards:verify", code=typed)
        if not typed:
            return render(request, "awards/verify.html", {"public": True, "asked": False})
        code = typed[:40]  # cannot be a code: answered below as "no certificate has this code"
    award = selectors.award_for_verification(code) if CODE_SHAPE.fullmatch(code) else None
    context = {"public": True, "asked": True, "code": code, "award": award}
    if award is not None:
        context["status"] = selectors.verification_status(award)
        context["certificates"] = list(award.certificates.all())
    response = render(request, "awards/verify.html", context, status=200 if award else 404)
    response["Cache-Control"] = "no-cache"
    return response


# Language from the URL only, like the other public pages (assessments.middleware).
verify.public_page = True  # type: ignore[attr-defined]
