"""Who is assessed, against what, and what they submit (DESIGN.md §3).

Invariants that must hold whatever writes the row are database constraints; rules that need
another table (points within an indicator's maximum) are checked by ``clean()`` and the services.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rankings import scoring

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class BilingualName(models.Model):
    """A name in Vietnamese (the default) and English, picked by the active language."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class Block(BilingualName):
    """A group of units ranked together (khối): city departments, communes, …"""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")


class UnitQuerySet(models.QuerySet["Unit"]):
    def in_period(self, period: Period) -> UnitQuerySet:
        return self.filter(participations__period=period)


class Unit(models.Model):
    """An agency assessed each year (đơn vị). Its code never changes; its block may."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=255)
    # The name without diacritics, lower-case (services.search_key), for accent-insensitive
    # search that works alike on SQLite and PostgreSQL; kept up to date by the services.
    search_name = models.CharField(
        _("name for search"), max_length=255, blank=True, editable=False, db_index=True
    )
    block = models.ForeignKey(
        Block, models.PROTECT, related_name="units", verbose_name=_("current block")
    )
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("exists from"), null=True, blank=True)
    valid_to = models.DateField(_("exists until"), null=True, blank=True)
    predecessor = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("predecessor"),
        help_text=_("The unit this one was created from; its rank counts for the rank change."),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["block__order", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_to_after_valid_from",
                violation_error_message=_("A unit cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("pk")),
                name="unit_not_its_own_predecessor",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="unit_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


def _threshold_field(verbose_name: StrOrPromise, default: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=5, decimal_places=2, default=Decimal(default)
    )


def _threshold_constraints(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(tot_threshold__lte=100)
            & Q(tot_threshold__gt=F("kha_threshold"))
            & Q(kha_threshold__gt=F("trung_binh_threshold"))
            & Q(trung_binh_threshold__gt=0),
            name=f"{prefix}_thresholds_descend",
            violation_error_message=_("Thresholds must descend: 100 ≥ Good > Fair > Average > 0."),
        )
    ]


class Period(models.Model):
    """One yearly round of the evaluation (kỳ đánh giá)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Open for self-assessment")
        REVIEW = "review", _("Under appraisal")
        SCORED = "scored", _("Scored")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State, default=State.DRAFT)
    opens_at = models.DateField(_("opens on"), null=True, blank=True)
    submission_deadline = models.DateField(_("submission deadline"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    tot_threshold = _threshold_field(_("Good from (%)"), "80")
    kha_threshold = _threshold_field(_("Fair from (%)"), "65")
    trung_binh_threshold = _threshold_field(_("Average from (%)"), "50")

    class Meta:
        ordering = ["-year"]
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="period_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(submission_deadline__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(submission_deadline__gte=F("opens_at")),
                name="period_deadline_after_opening",
                violation_error_message=_("The deadline cannot come before the opening."),
            ),
            *_threshold_constraints("period"),
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def thresholds(self) -> scoring.Thresholds:
        return scoring.Thresholds(
            tot=self.tot_threshold, kha=self.kha_threshold, trung_binh=self.trung_binh_threshold
        )


class GradeThresholdOverride(models.Model):
    """Thresholds of one block in one period, where they differ from the period's."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="threshold_overrides", verbose_name=_("period")
    )
    block = models.ForeignKey(Block, models.PROTECT, verbose_name=_("block"))
    tot_threshold = _threshold_field(_("Good from (%)"), "80")
    kha_threshold = _threshold_field(_("Fair from (%)"), "65")
    trung_binh_threshold = _threshold_field(_("Average from (%)"), "50")

    class Meta:
        verbose_name = _("threshold override")
        verbose_name_plural = _("threshold overrides")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "block"], name="one_threshold_override_per_block"
            ),
            *_threshold_constraints("override"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.block}"

    @property
    def thresholds(self) -> scoring.Thresholds:
        return scoring.Thresholds(
            tot=self.tot_threshold, kha=self.kha_threshold, trung_binh=self.trung_binh_threshold
        )


class Participation(models.Model):
    """A unit taking part in a period, and the block it is ranked in that year."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="participations", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="participations", verbose_name=_("unit")
    )
    block = models.ForeignKey(
        Block, models.PROTECT, related_name="participations", verbose_name=_("block")
    )
    deadline_extension = models.DateField(
        _("deadline extended to"),
        null=True,
        blank=True,
        help_text=_("Set by an admin to let this unit submit after the period's deadline."),
    )

    class Meta:
        ordering = ["period", "block__order", "unit__name"]
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_participation_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit}"


class Framework(BilingualName):
    """The criteria of one period. Copied, never shared, so next year's edits keep the past."""

    period = models.OneToOneField(
        Period, models.CASCADE, related_name="framework", verbose_name=_("period")
    )
    copied_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="copies",
        verbose_name=_("copied from"),
    )

    class Meta:
        ordering = ["-period__year"]
        verbose_name = _("criteria framework")
        verbose_name_plural = _("criteria frameworks")

    def __str__(self) -> str:
        return f"{self.period}: {self.name}"


class CriteriaGroup(BilingualName):
    """One of the four groups (I–IV) of a framework."""

    framework = models.ForeignKey(
        Framework, models.CASCADE, related_name="groups", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=10)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["framework", "order"]
        verbose_name = _("criteria group")
        verbose_name_plural = _("criteria groups")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="group_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Indicator(BilingualName):
    """One criterion: what is measured, how it scores, and which blocks it applies to."""

    class Kind(models.TextChoices):
        YES_NO = scoring.Kind.YES_NO.value, _("Yes / no")
        RATE = scoring.Kind.RATE.value, _("Rate (numerator / denominator)")
        COUNT = scoring.Kind.COUNT.value, _("Count (relative to the block's best)")
        SCALE = scoring.Kind.SCALE.value, _("Points awarded (steps of 0.5)")

    framework = models.ForeignKey(
        Framework, models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    group = models.ForeignKey(
        CriteriaGroup, models.CASCADE, related_name="indicators", verbose_name=_("group")
    )
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    max_points = models.DecimalField(_("maximum points"), max_digits=5, decimal_places=2)
    evidence_required = models.BooleanField(_("evidence required"), default=True)
    online_service = models.BooleanField(_("online public service indicator"), default=False)
    blocks = models.ManyToManyField(
        Block,
        related_name="indicators",
        verbose_name=_("applies to blocks"),
    )
    guidance_vi = models.TextField(_("guidance (Vietnamese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    numerator_label_vi = models.CharField(
        _("numerator label (Vietnamese)"), max_length=200, blank=True
    )
    numerator_label_en = models.CharField(
        _("numerator label (English)"), max_length=200, blank=True
    )
    denominator_label_vi = models.CharField(
        _("denominator label (Vietnamese)"), max_length=200, blank=True
    )
    denominator_label_en = models.CharField(
        _("denominator label (English)"), max_length=200, blank=True
    )

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(max_points__gt=0) & Q(max_points__lte=100),
                name="indicator_max_points_positive",
                violation_error_message=_("Maximum points must be above 0 and at most 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def _localised(self, field: str) -> str:
        vi, en = getattr(self, f"{field}_vi"), getattr(self, f"{field}_en")
        return (en or vi) if (get_language() or "vi").startswith("en") else vi

    @property
    def guidance(self) -> str:
        return self._localised("guidance")

    @property
    def numerator_label(self) -> str:
        return self._localised("numerator_label")

    @property
    def denominator_label(self) -> str:
        return self._localised("denominator_label")

    @property
    def spec(self) -> scoring.IndicatorSpec:
        return scoring.IndicatorSpec(
            code=self.code,
            group=self.group.code,
            kind=scoring.Kind(self.kind),
            max_points=self.max_points,
            evidence_required=self.evidence_required,
            online_service=self.online_service,
        )


class SubmissionQuerySet(models.QuerySet["Submission"]):
    """Who may see which submission, decided here and nowhere else."""

    def visible_to(self, user: User | AnonymousUser) -> SubmissionQuerySet:
        """Admins: all. Officers: their units'. Reviewers: their assigned blocks' in that period."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(Q(unit__officer_memberships__user=user) | Q(self._reviewed_by(user)))

    def of_officer(self, user: User | AnonymousUser) -> SubmissionQuerySet:
        """Submissions of the units the user enters data for (what an officer may edit)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(unit__officer_memberships__user=user)

    def reviewed_by(self, user: User | AnonymousUser) -> SubmissionQuerySet:
        """Submissions in the blocks the user reviews in their period."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(self._reviewed_by(user))

    @staticmethod
    def _reviewed_by(user: User) -> Exists:
        return Exists(
            ReviewerAssignment.objects.filter(
                user=user,
                period=OuterRef("period"),
                block__participations__period=OuterRef("period"),
                block__participations__unit=OuterRef("unit"),
            )
        )


class Submission(models.Model):
    """A unit's self-assessment for a period, and where it stands in the workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")

    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="submissions", verbose_name=_("unit")
    )
    period = models.ForeignKey(
        Period, models.PROTECT, related_name="submissions", verbose_name=_("period")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    # Compare-and-set counter: every workflow write bumps it (STACK.md, "two reviewers").
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["period", "unit__block__order", "unit__name"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        permissions = [
            ("import_approved_answers", _("Can import answers as approved submissions")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "period"], name="one_submission_per_unit_and_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="approved_submission_has_approval_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.period}"


def _value_constraints(prefix: str) -> list[models.CheckConstraint]:
    """Constraints on one set of value columns (the unit's, or the reviewer's)."""
    numerator, denominator, points = f"{prefix}numerator", f"{prefix}denominator", f"{prefix}points"
    label = prefix.rstrip("_") or "unit"
    return [
        models.CheckConstraint(
            condition=Q(**{f"{denominator}__isnull": True}) | Q(**{f"{denominator}__gt": 0}),
            name=f"answer_{label}_denominator_positive",
            violation_error_message=_("The denominator must be above zero."),
        ),
        models.CheckConstraint(
            condition=Q(**{f"{numerator}__isnull": True})
            | Q(**{f"{denominator}__isnull": True})
            | Q(**{f"{numerator}__lte": F(denominator)}),
            name=f"answer_{label}_numerator_within_denominator",
            violation_error_message=_("The numerator cannot exceed the denominator."),
        ),
        models.CheckConstraint(
            condition=Q(**{f"{points}__isnull": True})
            | (
                Q(**{f"{points}__gte": 0})
                & Q(**{f"{points}__lte": 100})
                & Q(Exact(Round(F(points) * 2), F(points) * 2))
            ),
            name=f"answer_{label}_points_on_half_grid",
            violation_error_message=_("Points must be between 0 and the maximum, in steps of 0.5."),
        ),
    ]


class Answer(models.Model):
    """One indicator's value in a submission: the unit's own, and the reviewer's correction."""

    submission = models.ForeignKey(
        Submission, models.CASCADE, related_name="answers", verbose_name=_("submission")
    )
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="answers", verbose_name=_("indicator")
    )
    value_yes = models.BooleanField(_("yes / no"), null=True, blank=True)
    numerator = models.PositiveIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("denominator"), null=True, blank=True)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewer_value_yes = models.BooleanField(_("reviewer: yes / no"), null=True, blank=True)
    reviewer_numerator = models.PositiveIntegerField(
        _("reviewer: numerator"), null=True, blank=True
    )
    reviewer_denominator = models.PositiveIntegerField(
        _("reviewer: denominator"), null=True, blank=True
    )
    reviewer_count = models.PositiveIntegerField(_("reviewer: count"), null=True, blank=True)
    reviewer_points = models.DecimalField(
        _("reviewer: points"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    reviewer_reason = models.TextField(_("reason for the correction"), blank=True)
    reviewer_comment = models.TextField(_("reviewer's comment"), blank=True)
    # Set when a reviewer returns the submission with this indicator to revise; cleared on resubmit.
    reopened = models.BooleanField(_("reopened for revision"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    REVIEWER_VALUE_FIELDS = (
        "reviewer_value_yes",
        "reviewer_numerator",
        "reviewer_denominator",
        "reviewer_count",
        "reviewer_points",
    )

    class Meta:
        ordering = ["submission", "indicator__order"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "indicator"], name="one_answer_per_indicator"
            ),
            *_value_constraints(""),
            *_value_constraints("reviewer_"),
            models.CheckConstraint(
                condition=Q(
                    reviewer_value_yes__isnull=True,
                    reviewer_numerator__isnull=True,
                    reviewer_denominator__isnull=True,
                    reviewer_count__isnull=True,
                    reviewer_points__isnull=True,
                )
                | ~Q(reviewer_reason=""),
                name="answer_reviewer_value_has_reason",
                violation_error_message=_("A reviewer's value needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission} · {self.indicator.code}"

    UNIT_VALUE_FIELDS = ("value_yes", "numerator", "denominator", "count", "points")

    @property
    def unit_value(self) -> scoring.Value | None:
        value = scoring.Value(
            yes=self.value_yes,
            numerator=self.numerator,
            denominator=self.denominator,
            count=self.count,
            points=self.points,
        )
        return None if value == scoring.Value() else value

    @property
    def reviewer_value(self) -> scoring.Value | None:
        value = scoring.Value(
            yes=self.reviewer_value_yes,
            numerator=self.reviewer_numerator,
            denominator=self.reviewer_denominator,
            count=self.reviewer_count,
            points=self.reviewer_points,
        )
        return None if value == scoring.Value() else value

    def clean(self) -> None:
        super().clean()
        if self.indicator_id is None:
            return
        spec = self.indicator.spec
        errors = {}
        for label, value in (("unit", self.unit_value), ("reviewer", self.reviewer_value)):
            if value is None:
                continue
            try:
                scoring.validate_value(spec, value)
            except scoring.InvalidValue as exc:
                errors["__all__" if label == "unit" else "reviewer_reason"] = str(exc)
        if errors:
            raise ValidationError(errors)


def evidence_upload_to(evidence: Evidence, filename: str) -> str:
    """Random stored name; the original name is kept in ``original_name``."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{secrets.token_hex(16)}.{suffix[:8]}"


class Evidence(models.Model):
    """Supporting evidence (tài liệu kiểm chứng) of an answer: a private file or a link."""

    answer = models.ForeignKey(
        Answer, models.CASCADE, related_name="evidence", verbose_name=_("answer")
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_upload_to, blank=True, max_length=255)
    link = models.URLField(_("link"), blank=True, max_length=500)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["answer", "uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(link=""),
                name="evidence_has_file_or_link",
                violation_error_message=_("Evidence needs a file or a link."),
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or self.link


class OfficerMembership(models.Model):
    """A user who enters data for a unit (cán bộ đơn vị)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="unit_memberships",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        Unit, models.CASCADE, related_name="officer_memberships", verbose_name=_("unit")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit officer")
        verbose_name_plural = _("unit officers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], name="one_membership_per_user_and_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"


class ReviewerAssignment(models.Model):
    """A reviewer (thẩm định) assigned to a block for one period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="reviewer_assignments",
        verbose_name=_("user"),
    )
    period = models.ForeignKey(
        Period, models.CASCADE, related_name="reviewer_assignments", verbose_name=_("period")
    )
    block = models.ForeignKey(
        Block, models.CASCADE, related_name="reviewer_assignments", verbose_name=_("block")
    )

    class Meta:
        verbose_name = _("reviewer assignment")
        verbose_name_plural = _("reviewer assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "block"], name="one_assignment_per_block_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.block} ({self.period})"


class ChangeRecord(models.Model):
    """Who changed something, when (UTC), what it was before and after, and why.

    Written by the services only; nobody edits or deletes one through the portal or the admin.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        abstract = True


class AuditEntry(ChangeRecord):
    """One recorded change of a submission: a value, a reviewer's value, evidence, a status."""

    class Action(models.TextChoices):
        ANSWER_CHANGED = "answer_changed", _("Value changed")
        REVIEWER_VALUE_CHANGED = "reviewer_value_changed", _("Reviewer's value changed")
        EVIDENCE_ADDED = "evidence_added", _("Evidence added")
        EVIDENCE_REMOVED = "evidence_removed", _("Evidence removed")
        STATUS_CHANGED = "status_changed", _("Status changed")

    submission = models.ForeignKey(
        Submission, models.CASCADE, related_name="audit_entries", verbose_name=_("submission")
    )
    indicator_code = models.CharField(_("indicator"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=30, choices=Action)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()} {self.indicator_code}"


class Notification(models.Model):
    """A message for one user about a submission (also sent by e-mail)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")
        REOPENED = "reopened", _("Reopened")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    submission = models.ForeignKey(
        Submission, models.CASCADE, related_name="notifications", verbose_name=_("submission")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
