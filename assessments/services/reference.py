"""Every write of the assessments app: reference data, periods, frameworks.

Services take keyword-only arguments, run in one transaction, validate before they write, and
raise ``AssessmentError`` with a message fit for the user when they cannot do what was asked.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import (
    Answer,
    AuditEntry,
    Block,
    CriteriaGroup,
    Evidence,
    Framework,
    GradeThresholdOverride,
    Indicator,
    Participation,
    Period,
    Submission,
    Unit,
)
from rankings.scoring import Value

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class ApprovedAnswerEvidence(Protocol):
    title: str
    link: str


class ApprovedAnswer(Protocol):
    """An appraised answer to record (``assessments.demo.DemoAnswer`` is one)."""

    indicator_code: str
    unit_value: Value
    reviewer_value: Value | None
    reviewer_reason: str
    note: str
    evidence: Sequence[ApprovedAnswerEvidence]


class AssessmentError(Exception):
    """A request the assessment rules refuse; the message is shown to the user."""


def nfc(text: str) -> str:
    """Names are stored and matched in Unicode NFC (DOMAIN.md §2)."""
    return unicodedata.normalize("NFC", text).strip()


def search_key(text: str) -> str:
    """A name folded for search: no diacritics, đ → d, lower-case, single spaces.

    "Quận Hoàn  Kiếm" → "quan hoan kiem". Stored in ``Unit.search_name`` and applied to the
    query, so one ``icontains`` finds a name typed with or without accents on any database.
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    bare = bare.replace("đ", "d").replace("Đ", "D")
    return " ".join(bare.lower().split())


@transaction.atomic
def save_unit(*, unit: Unit) -> Unit:
    """Save a unit edited by an admin: its name in NFC, its search name kept in step."""
    unit.name = nfc(unit.name)
    unit.search_name = search_key(unit.name)
    unit.save()
    return unit


def _read(name: str, fixtures_dir: Path) -> dict:
    with (fixtures_dir / name).open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class ReferenceCounts:
    blocks: int
    units: int
    periods: int
    participations: int
    indicators: int


@transaction.atomic
def load_reference_data(*, fixtures_dir: Path = FIXTURES_DIR) -> ReferenceCounts:
    """Create or update the blocks, units, 2013–2014 periods, memberships and frameworks.

    Idempotent: running it again changes nothing. A period whose framework already exists keeps
    it (an admin may have edited it); only missing frameworks are created from the fixture.
    """
    blocks = {
        row["code"]: Block.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_vi": nfc(row["name_vi"]),
                "name_en": row["name_en"],
                "order": row["order"],
            },
        )[0]
        for row in _read("blocks.json", fixtures_dir)["blocks"]
    }

    unit_rows = _read("units.json", fixtures_dir)["units"]
    units: dict[str, Unit] = {}
    for row in unit_rows:
        units[row["code"]] = Unit.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": nfc(row["name"]),
                "search_name": search_key(row["name"]),
                "block": blocks[row["block"]],
                "valid_from": _date(row.get("valid_from")),
                "valid_to": _date(row.get("valid_to")),
            },
        )[0]
    for row in unit_rows:  # links point at units that must exist first
        unit = units[row["code"]]
        parent = units[row["parent"]] if row.get("parent") else None
        predecessor = units[row["predecessor"]] if row.get("predecessor") else None
        if unit.parent != parent or unit.predecessor != predecessor:
            unit.parent, unit.predecessor = parent, predecessor
            unit.save(update_fields=["parent", "predecessor"])

    framework_data = _read("framework_2014.json", fixtures_dir)
    indicator_count = 0
    participation_count = 0
    period_rows = _read("periods.json", fixtures_dir)["periods"]
    for row in period_rows:
        thresholds = row["thresholds"]
        period, _created = Period.objects.get_or_create(
            year=row["year"],
            defaults={
                "state": Period.State.REVIEW,
                "opens_at": _date(row["opens_at"]),
                "submission_deadline": _date(row["submission_deadline"]),
                "tot_threshold": Decimal(thresholds["tot"]),
                "kha_threshold": Decimal(thresholds["kha"]),
                "trung_binh_threshold": Decimal(thresholds["trung_binh"]),
            },
        )
        year = str(period.year)
        for code, unit_row in ((r["code"], r) for r in unit_rows):
            if year in unit_row["years"]:
                Participation.objects.update_or_create(
                    period=period,
                    unit=units[code],
                    defaults={"block": blocks[unit_row["years"][year]]},
                )
                participation_count += 1
        if not Framework.objects.filter(period=period).exists():
            _create_framework(period=period, data=framework_data, blocks=blocks)
        indicator_count += Indicator.objects.filter(framework__period=period).count()

    return ReferenceCounts(
        blocks=len(blocks),
        units=len(units),
        periods=len(period_rows),
        participations=participation_count,
        indicators=indicator_count,
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _create_framework(*, period: Period, data: dict, blocks: dict[str, Block]) -> Framework:
    framework = Framework.objects.create(
        period=period, name_vi=nfc(data["name_vi"]), name_en=data["name_en"]
    )
    groups = {
        row["code"]: CriteriaGroup.objects.create(
            framework=framework,
            code=row["code"],
            name_vi=nfc(row["name_vi"]),
            name_en=row["name_en"],
            order=row["order"],
        )
        for row in data["groups"]
    }
    for row in data["indicators"]:
        indicator = Indicator.objects.create(
            framework=framework,
            group=groups[row["group"]],
            code=row["code"],
            order=row["order"],
            name_vi=nfc(row["name_vi"]),
            name_en=row["name_en"],
            kind=row["kind"],
            max_points=Decimal(row["max_points"]),
            evidence_required=row["evidence_required"],
            online_service=row["online_service"],
            guidance_vi=nfc(row.get("guidance_vi", "")),
            guidance_en=row.get("guidance_en", ""),
            numerator_label_vi=nfc(row.get("numerator_label_vi", "")),
            numerator_label_en=row.get("numerator_label_en", ""),
            denominator_label_vi=nfc(row.get("denominator_label_vi", "")),
            denominator_label_en=row.get("denominator_label_en", ""),
        )
        excluded = set(row.get("excluded_blocks", []))
        indicator.blocks.set([block for code, block in blocks.items() if code not in excluded])
    return framework


@transaction.atomic
def open_period(*, year: int, copy_from: int) -> Period:
    """Open a new period by copying another's framework, thresholds and participating units.

    The copy is deep: groups and indicators are new rows, so editing the new period's framework
    never changes the old one's. Units that no longer exist on 1 January of ``year`` are left out.
    """
    if not 2000 <= year <= 2100:
        raise AssessmentError(_("The year %(year)s is outside 2000–2100.") % {"year": year})
    if year <= copy_from:
        raise AssessmentError(
            _("A new period must come after the one it copies (%(year)s).") % {"year": copy_from}
        )
    if Period.objects.filter(year=year).exists():
        raise AssessmentError(_("The period %(year)s already exists.") % {"year": year})
    try:
        source = Period.objects.select_related("framework").get(year=copy_from)
    except Period.DoesNotExist:
        raise AssessmentError(
            _("There is no period %(year)s to copy from.") % {"year": copy_from}
        ) from None
    source_framework = getattr(source, "framework", None)
    if source_framework is None:
        raise AssessmentError(
            _("The period %(year)s has no criteria framework to copy.") % {"year": copy_from}
        )

    period = Period.objects.create(
        year=year,
        state=Period.State.DRAFT,
        opens_at=_same_day_in(source.opens_at, year),
        submission_deadline=_same_day_in(source.submission_deadline, year),
        tot_threshold=source.tot_threshold,
        kha_threshold=source.kha_threshold,
        trung_binh_threshold=source.trung_binh_threshold,
    )
    GradeThresholdOverride.objects.bulk_create(
        GradeThresholdOverride(
            period=period,
            block_id=override.block_id,
            tot_threshold=override.tot_threshold,
            kha_threshold=override.kha_threshold,
            trung_binh_threshold=override.trung_binh_threshold,
        )
        for override in source.threshold_overrides.all()
    )
    copy_framework(source=source_framework, period=period)

    first_day = dt.date(year, 1, 1)
    Participation.objects.bulk_create(
        Participation(period=period, unit_id=p.unit_id, block_id=p.block_id)
        for p in source.participations.select_related("unit")
        if p.unit.valid_to is None or p.unit.valid_to >= first_day
    )
    return period


def _same_day_in(day: dt.date | None, year: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def copy_framework(*, source: Framework, period: Period) -> Framework:
    """A deep copy of ``source`` (groups, indicators, the blocks they apply to) for ``period``."""
    framework = Framework.objects.create(
        period=period, name_vi=source.name_vi, name_en=source.name_en, copied_from=source
    )
    group_map: dict[int, CriteriaGroup] = {}
    for group in source.groups.all():
        old_pk = group.pk
        group.pk = None
        group.framework = framework
        group.save()
        group_map[old_pk] = group
    through = Indicator.blocks.through
    links: list[Any] = []
    for indicator in source.indicators.prefetch_related("blocks"):
        block_ids = [block.pk for block in indicator.blocks.all()]
        indicator.pk = None
        indicator.framework = framework
        indicator.group = group_map[indicator.group_id]
        indicator.save()
        links.extend(through(indicator_id=indicator.pk, block_id=pk) for pk in block_ids)
    through.objects.bulk_create(links)
    return framework


@transaction.atomic
def record_approved_submissions(
    *,
    period: Period,
    answers_by_unit: Mapping[str, Sequence[ApprovedAnswer]],
    approved_at: dt.datetime,
    actor: User | None = None,
    reason: str = "",
) -> int:
    """Store already-appraised submissions of past years as approved (demo data, archives).

    Units that already have a submission for the period are left as they are, so running it
    again changes nothing. Returns how many submissions were created.
    """
    units = {u.code: u for u in Unit.objects.filter(code__in=answers_by_unit)}
    unknown = sorted(set(answers_by_unit) - set(units))
    if unknown:
        raise AssessmentError(_("Unknown unit codes: %(codes)s") % {"codes": ", ".join(unknown)})
    taken = set(
        Submission.objects.filter(period=period, unit__code__in=answers_by_unit).values_list(
            "unit__code", flat=True
        )
    )
    indicators = {i.code: i for i in Indicator.objects.filter(framework__period=period)}
    indicators_by_pk = {i.pk: i.code for i in indicators.values()}
    new_codes = [code for code in answers_by_unit if code not in taken]
    submissions = Submission.objects.bulk_create(
        Submission(
            unit=units[code],
            period=period,
            status=Submission.Status.APPROVED,
            submitted_at=approved_at,
            approved_at=approved_at,
        )
        for code in new_codes
    )
    answers: list[Answer] = []
    evidence_titles: list[Sequence[tuple[str, str]]] = []
    for code, submission in zip(new_codes, submissions, strict=True):
        for item in answers_by_unit[code]:
            unit_value, reviewer_value = item.unit_value, item.reviewer_value
            answer = Answer(
                submission=submission,
                indicator=indicators[item.indicator_code],
                value_yes=unit_value.yes,
                numerator=unit_value.numerator,
                denominator=unit_value.denominator,
                count=unit_value.count,
                points=unit_value.points,
                note=item.note,
                reviewer_reason=item.reviewer_reason,
            )
            if reviewer_value is not None:
                answer.reviewer_value_yes = reviewer_value.yes
                answer.reviewer_numerator = reviewer_value.numerator
                answer.reviewer_denominator = reviewer_value.denominator
                answer.reviewer_count = reviewer_value.count
                answer.reviewer_points = reviewer_value.points
            answers.append(answer)
            evidence_titles.append([(e.title, e.link) for e in item.evidence])
    Answer.objects.bulk_create(answers, batch_size=2000)
    Evidence.objects.bulk_create(
        (
            Evidence(answer=answer, title=title, link=link)
            for answer, items in zip(answers, evidence_titles, strict=True)
            for title, link in items
        ),
        batch_size=2000,
    )
    # Bulk writes are audited too: one entry per answer and one for the approved status.
    AuditEntry.objects.bulk_create(
        [
            *(
                AuditEntry(
                    submission_id=answer.submission_id,
                    action=AuditEntry.Action.ANSWER_CHANGED,
                    actor=actor,
                    at=approved_at,
                    indicator_code=indicators_by_pk[answer.indicator_id],
                    after={
                        "value_yes": answer.value_yes,
                        "numerator": answer.numerator,
                        "denominator": answer.denominator,
                        "count": answer.count,
                        "points": None if answer.points is None else str(answer.points),
                        "note": answer.note,
                    },
                    reason=reason,
                )
                for answer in answers
            ),
            *(
                AuditEntry(
                    submission=submission,
                    action=AuditEntry.Action.STATUS_CHANGED,
                    actor=actor,
                    at=approved_at,
                    after={"status": Submission.Status.APPROVED},
                    reason=reason,
                )
                for submission in submissions
            ),
        ],
        batch_size=2000,
    )
    return len(submissions)
