"""What scoring a period produces: one Result per participating unit, and a record of each run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.models import Block, Period, Unit
from rankings import scoring

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Grade(models.TextChoices):
    TOT = scoring.Grade.TOT.value, _("Good")
    KHA = scoring.Grade.KHA.value, _("Fair")
    TRUNG_BINH = scoring.Grade.TRUNG_BINH.value, _("Average")
    YEU = scoring.Grade.YEU.value, _("Weak")


# Why a unit has no rank: the status its submission was left in (or none at all).
NOT_RANKED_REASONS = {
    "no_submission": _("No submission"),
    "draft": _("Submission still a draft"),
    "submitted": _("Submitted but not yet approved"),
    "returned": _("Returned for revision and not approved"),
}


def _points_field(verbose_name: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, null=True, blank=True)


class ResultQuerySet(models.QuerySet["Result"]):
    def ranked(self) -> ResultQuerySet:
        return self.filter(rank__isnull=False)

    def in_block_order(self) -> ResultQuerySet:
        return self.order_by("block__order", models.F("rank").asc(nulls_last=True), "unit__name")


class Result(models.Model):
    """A unit's score, grade and rank in a period, with the per-indicator explanation."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="results", verbose_name=_("period")
    )
    unit = models.ForeignKey(Unit, models.PROTECT, related_name="results", verbose_name=_("unit"))
    block = models.ForeignKey(
        Block, models.PROTECT, related_name="results", verbose_name=_("block")
    )
    group_i = _points_field(_("group I"))
    group_ii = _points_field(_("group II"))
    group_iii = _points_field(_("group III"))
    group_iv = _points_field(_("group IV"))
    total = _points_field(_("total"))
    maximum = models.DecimalField(_("maximum"), max_digits=6, decimal_places=2)
    index = models.DecimalField(_("index"), max_digits=5, decimal_places=4, null=True, blank=True)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=20, choices=Grade, blank=True)
    rank = models.PositiveIntegerField(_("rank in block"), null=True, blank=True)
    rank_change = models.IntegerField(_("rank change"), null=True, blank=True)
    not_ranked_reason = models.CharField(_("why not ranked"), max_length=255, blank=True)
    # One entry per indicator: value used, whose, rule, formula, points (scoring.IndicatorScore).
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    objects = ResultQuerySet.as_manager()

    class Meta:
        ordering = ["period", "block__order", "rank", "unit__name"]
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="one_result_per_unit"),
            models.CheckConstraint(
                condition=(Q(rank__isnull=True) & Q(grade="") & ~Q(not_ranked_reason=""))
                | (Q(rank__gte=1) & ~Q(grade="") & Q(index__isnull=False)),
                name="result_ranked_or_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True)
                | (Q(total__gte=0) & Q(total__lte=models.F("maximum"))),
                name="result_total_within_maximum",
            ),
        ]
        indexes = [models.Index(fields=["period", "block", "rank"])]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit}"

    @property
    def not_ranked_reason_display(self) -> str:
        return str(NOT_RANKED_REASONS.get(self.not_ranked_reason, self.not_ranked_reason))

    @property
    def group_points(self) -> tuple:
        return (self.group_i, self.group_ii, self.group_iii, self.group_iv)


class ScoringRun(models.Model):
    """One run of the scoring service: who, when, how many units, how long."""

    period = models.ForeignKey(
        Period, models.CASCADE, related_name="scoring_runs", verbose_name=_("period")
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    units_count = models.PositiveIntegerField(_("units"))
    ranked_count = models.PositiveIntegerField(_("ranked units"))
    changed_count = models.PositiveIntegerField(_("results changed"), default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")

    def __str__(self) -> str:
        return f"{self.period} · {self.started_at:%Y-%m-%d %H:%M}"


class Publication(models.Model):
    """One published version of a period's results: frozen, public, never edited.

    A correction after publication is a new version with a public note of what changed; the
    earlier versions stay readable. Exactly one version of a period is current.
    """

    period = models.ForeignKey(
        Period, models.PROTECT, related_name="publications", verbose_name=_("period")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    note = models.TextField(
        _("public note"), blank=True, help_text=_("What changed since the previous version.")
    )
    is_current = models.BooleanField(_("current version"), default=False)
    # The framework and rules the results were scored with, frozen for the methodology page.
    methodology = models.JSONField(_("methodology"), default=dict, blank=True)

    class Meta:
        ordering = ["-period__year", "-version"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="one_publication_version"),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(is_current=True),
                name="one_current_publication_per_period",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="publication_version_from_1"),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(note=""),
                name="publication_correction_has_note",
                violation_error_message=_("A corrected version needs a public note."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} · v{self.version}"


class PublishedResult(models.Model):
    """A Result as it was published in one version: copied at publication, never changed."""

    publication = models.ForeignKey(
        Publication, models.PROTECT, related_name="results", verbose_name=_("publication")
    )
    period = models.ForeignKey(
        Period, models.PROTECT, related_name="published_results", verbose_name=_("period")
    )
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="published_results", verbose_name=_("unit")
    )
    block = models.ForeignKey(
        Block, models.PROTECT, related_name="published_results", verbose_name=_("block")
    )
    group_i = _points_field(_("group I"))
    group_ii = _points_field(_("group II"))
    group_iii = _points_field(_("group III"))
    group_iv = _points_field(_("group IV"))
    total = _points_field(_("total"))
    maximum = models.DecimalField(_("maximum"), max_digits=6, decimal_places=2)
    index = models.DecimalField(_("index"), max_digits=5, decimal_places=4, null=True, blank=True)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=20, choices=Grade, blank=True)
    rank = models.PositiveIntegerField(_("rank in block"), null=True, blank=True)
    rank_change = models.IntegerField(_("rank change"), null=True, blank=True)
    not_ranked_reason = models.CharField(_("why not ranked"), max_length=255, blank=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        ordering = ["publication", "block__order", "rank", "unit__name"]
        verbose_name = _("published result")
        verbose_name_plural = _("published results")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "unit"], name="one_published_result_per_unit"
            ),
            models.CheckConstraint(
                condition=(Q(rank__isnull=True) & Q(grade="") & ~Q(not_ranked_reason=""))
                | (Q(rank__gte=1) & ~Q(grade="") & Q(index__isnull=False)),
                name="published_result_ranked_or_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["publication", "block", "rank"]),
            models.Index(fields=["unit", "publication"]),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.unit}"

    @property
    def group_points(self) -> tuple:
        return (self.group_i, self.group_ii, self.group_iii, self.group_iv)
