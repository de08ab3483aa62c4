"""Award rules, awards, certificates and their audit trail (DOMAIN.md §6–7)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import ChangeRecord, Period, Unit

# Unambiguous characters only (no 0/O, 1/I/L): a code read aloud or typed from paper still works.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """12 random characters (~59 bits) in groups of four, e.g. ``K7QM-3XRA-PZ9D``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


class Category(models.TextChoices):
    BANG_KHEN = "bang_khen", _("Certificate of Merit")
    DICH_VU_CONG = "dich_vu_cong", _("Effective online public services")
    TIEN_BO = "tien_bo", _("Most improved")


# DOMAIN.md §6 for 2014: fill order, quota and sort keys of each category.
DEFAULT_RULES = {
    Category.BANG_KHEN: (1, 19, ["-index", "name"]),
    Category.DICH_VU_CONG: (2, 4, ["-online_share", "-index", "name"]),
    Category.TIEN_BO: (3, 6, ["-rank_change", "-index_gain", "name"]),
}
SORT_KEYS = {"index", "online_share", "rank_change", "index_gain", "name"}


class AwardRule(models.Model):
    """One category's quota and ordering in a period; editable until the first confirmation."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="award_rules", verbose_name=_("period")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category)
    position = models.PositiveSmallIntegerField(
        _("fill order"), help_text=_("Categories are filled in this order (1 first).")
    )
    quota = models.PositiveSmallIntegerField(_("quota"))
    ordering = models.JSONField(
        _("ordering"),
        default=list,
        help_text=_(
            "Sort keys, best first; a leading minus sorts descending. Keys: index, "
            "online_share, rank_change, index_gain, name."
        ),
    )

    class Meta:
        ordering = ["period", "position"]
        verbose_name = _("award rule")
        verbose_name_plural = _("award rules")
        constraints = [
            models.UniqueConstraint(fields=["period", "category"], name="one_rule_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.get_category_display()} ({self.quota})"


class AwardSettings(models.Model):
    """The decision behind a period's awards and who signs; copied onto each award at
    confirmation, so a later edit never changes a confirmed award or its certificate."""

    period = models.OneToOneField(
        Period, models.CASCADE, related_name="award_settings", verbose_name=_("period")
    )
    decision_number = models.CharField(_("decision number"), max_length=255, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    place_and_date = models.CharField(
        _("place and date line"),
        max_length=255,
        blank=True,
        help_text=_("As printed, e.g. “Hà Nội, ngày 19 tháng 7 năm 2015”."),
    )
    city_signatory_title = models.TextField(
        _("signatory title block (People's Committee)"),
        blank=True,
        help_text=_("One line per line printed, e.g. “KT. CHỦ TỊCH” then “PHÓ CHỦ TỊCH”."),
    )
    city_signatory_name = models.CharField(
        _("signatory name (People's Committee)"), max_length=255, blank=True
    )
    committee_signatory_title = models.TextField(
        _("signatory title block (Steering Committee)"), blank=True
    )
    committee_signatory_name = models.CharField(
        _("signatory name (Steering Committee)"), max_length=255, blank=True
    )
    achievement = models.CharField(
        _("achievement line"),
        max_length=500,
        blank=True,
        help_text=_("Printed under the unit's name; empty for the standard wording."),
    )
    emblem = models.ImageField(
        _("national emblem"),
        upload_to="awards/emblems/",
        blank=True,
        help_text=_("Printed at the top; without it the certificate leaves the emblem out."),
    )
    # The warnings of the last proposal (a tie straddling a quota), shown on the review page.
    proposal_warnings = models.JSONField(_("proposal warnings"), default=list, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("award settings")
        verbose_name_plural = _("award settings")

    def __str__(self) -> str:
        return str(self.period)


class AwardQuerySet(models.QuerySet["Award"]):
    def confirmed(self) -> AwardQuerySet:
        return self.filter(status=Award.Status.CONFIRMED)

    def in_list_order(self) -> AwardQuerySet:
        return self.order_by("category_position", "position", "unit__name")


class Award(models.Model):
    """A unit's award in a period: proposed by the rules or added by an admin, then decided."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    class Source(models.TextChoices):
        RULES = "rules", _("Proposed by the rules")
        ADMIN = "admin", _("Added by an admin")

    period = models.ForeignKey(
        Period, models.PROTECT, related_name="awards", verbose_name=_("period")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="awards", verbose_name=_("unit"))
    category = models.CharField(_("category"), max_length=20, choices=Category)
    category_position = models.PositiveSmallIntegerField(_("category order"), default=0)
    position = models.PositiveSmallIntegerField(_("place in the category"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PROPOSED)
    source = models.CharField(_("source"), max_length=10, choices=Source, default=Source.RULES)
    # Why the unit qualifies: block, grade, rank, index, online share, rank change, index gain.
    why = models.JSONField(_("why"), default=dict, blank=True)
    reason = models.TextField(_("reason of the decision"), blank=True)
    verification_code = models.CharField(
        _("verification code"), max_length=20, unique=True, default=new_verification_code
    )
    register_number = models.PositiveIntegerField(
        _("register number (số sổ vàng)"), null=True, blank=True, unique=True
    )
    decision_number = models.CharField(_("decision number"), max_length=255, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    place_and_date = models.CharField(_("place and date line"), max_length=255, blank=True)
    signatory_title = models.TextField(_("signatory title block"), blank=True)
    signatory_name = models.CharField(_("signatory name"), max_length=255, blank=True)
    achievement = models.CharField(_("achievement line"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["period", "category_position", "position", "unit__name"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit"], name="one_award_per_unit_and_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed")
                | (Q(register_number__isnull=False) & ~Q(decision_number="")),
                name="confirmed_award_has_register_number_and_decision",
            ),
            models.CheckConstraint(
                condition=Q(source="rules") | ~Q(reason=""),
                name="added_award_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.get_category_display()} · {self.unit}"

    @property
    def grade_label(self) -> str:
        from rankings.models import Grade

        grade = self.why.get("grade")
        return str(Grade(grade).label) if grade in Grade.values else ""


def certificate_upload_to(certificate: Certificate, filename: str) -> str:
    award = certificate.award
    name = f"{award.verification_code}-v{certificate.version}.pdf"
    return f"awards/certificates/{award.period.year}/{name}"


class Certificate(models.Model):
    """One issued PDF of a confirmed award: rendered once, stored with its sha256, never redone.

    Revoking or reissuing changes the status only; the verification address stays the award's.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        REISSUED = "reissued", _("Replaced by a reissued certificate")

    award = models.ForeignKey(
        Award, models.PROTECT, related_name="certificates", verbose_name=_("award")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.VALID)
    pdf = models.FileField(_("PDF"), upload_to=certificate_upload_to, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    page_size = models.CharField(_("page size"), max_length=20, default="a4")
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_reason = models.TextField(_("reason of the status"), blank=True)

    class Meta:
        ordering = ["award", "-version"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["award", "version"], name="one_certificate_version"),
            models.UniqueConstraint(
                fields=["award"],
                condition=Q(status="valid"),
                name="one_valid_certificate_per_award",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.award} · v{self.version}"


class AwardEvent(ChangeRecord):
    """Who did what to an award and why: proposed, confirmed, rejected, added, issued, revoked,
    reissued. Written by the services only; never edited through the portal."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        ADDED = "added", _("Added")
        ISSUED = "issued", _("Certificate issued")
        REVOKED = "revoked", _("Certificate revoked")
        REISSUED = "reissued", _("Certificate reissued")

    award = models.ForeignKey(Award, models.PROTECT, related_name="events", verbose_name=_("award"))
    action = models.CharField(_("action"), max_length=20, choices=Action)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("award event")
        verbose_name_plural = _("award events")

    def __str__(self) -> str:
        return f"{self.award} · {self.get_action_display()}"


class CertificateBatch(models.Model):
    """A background run that issues a period's certificates and packs them (one PDF, one ZIP)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="certificate_batches", verbose_name=_("period")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("certificates"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    reused = models.PositiveIntegerField(_("reused"), default=0)
    combined_pdf = models.FileField(_("all in one PDF"), upload_to="awards/batches/", blank=True)
    zip_file = models.FileField(_("ZIP of single PDFs"), upload_to="awards/batches/", blank=True)
    print_pdf = models.FileField(
        _("all in one PDF, 400 × 300 mm"), upload_to="awards/batches/", blank=True
    )
    # The sha256 of the certificates packed: the same set packs to the stored files again.
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")

    def __str__(self) -> str:
        return f"{self.period} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)
