"""Importing a period's criteria framework: one row per indicator, in order.

Columns: the group (code, names), the indicator (code, names, guidance), its kind, maximum points,
whether evidence is required, whether it is an online-public-service indicator, the blocks it
applies to (empty: all), and for rates the labels of numerator and denominator. Groups are ordered
by first appearance, indicators by row.

The period's framework is created, or brought in line with the file (groups and indicators matched
by code; those missing from the file are removed). Importing the same file again changes nothing.
Once a period has answers its framework is fixed: an import that would change it is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from assessments.models import (
    Answer,
    Block,
    CriteriaGroup,
    Framework,
    Indicator,
    Period,
)
from assessments.services.imports.common import (
    Column,
    ImportRejected,
    ImportSummary,
    Row,
    RowError,
    Table,
    file_error,
    import_transaction,
    normalised_name,
    yes_no,
)
from assessments.services.reference import nfc
from assessments.spreadsheets import Sheet

COLUMNS = (
    Column("group_code", required=True),
    Column("group_name_vi"),
    Column("group_name_en"),
    Column("code", required=True),
    Column("name_vi", required=True),
    Column("name_en"),
    Column("kind", required=True),
    Column("max_points", required=True),
    Column("evidence_required"),
    Column("online_service"),
    Column("blocks"),
    Column("guidance_vi"),
    Column("guidance_en"),
    Column("numerator_label_vi"),
    Column("numerator_label_en"),
    Column("denominator_label_vi"),
    Column("denominator_label_en"),
)
TEXT_FIELDS = (
    "name_vi",
    "name_en",
    "guidance_vi",
    "guidance_en",
    "numerator_label_vi",
    "numerator_label_en",
    "denominator_label_vi",
    "denominator_label_en",
)
KIND_WORDS = {
    Indicator.Kind.YES_NO: ("yes_no", "yes/no", "yes / no", "có/không", "có / không", "co/khong"),
    Indicator.Kind.RATE: ("rate", "tỷ lệ", "tỉ lệ", "ty le"),
    Indicator.Kind.COUNT: ("count", "số lượng", "so luong"),
    Indicator.Kind.SCALE: ("scale", "points", "điểm", "thang điểm", "diem"),
}
ALL_BLOCKS = frozenset({"all", "tất cả", "tat ca", "*"})
_KINDS = {normalised_name(word): kind for kind, words in KIND_WORDS.items() for word in words}
_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass
class GroupRow:
    code: str
    name_vi: str
    name_en: str
    order: int
    row: int


@dataclass
class IndicatorRow:
    row: int
    group: str
    code: str
    order: int
    kind: str
    max_points: Decimal
    evidence_required: bool
    online_service: bool
    block_ids: frozenset[int]
    texts: dict[str, str] = field(default_factory=dict)


def import_framework(
    *, sheet: Sheet, period: Period, name: str = "", dry_run: bool = False
) -> ImportSummary:
    """Create or replace ``period``'s framework from ``sheet``: all or nothing.

    Raises ``ImportRejected`` listing every bad row, or refusing a change to a framework that
    already has answers; nothing is written then. ``dry_run`` reports without writing.
    """
    with import_transaction(dry_run=dry_run):
        summary = _import(sheet=sheet, period=period, name=name, write=not dry_run)
    return summary


def _import(*, sheet: Sheet, period: Period, name: str, write: bool) -> ImportSummary:
    errors: list[RowError] = []
    table = Table(sheet, COLUMNS, errors=errors)
    if period.state == Period.State.PUBLISHED:
        raise file_error(
            _("Period %(year)s is published; its framework is frozen.") % {"year": period.year}
        )
    blocks = list(Block.objects.all())
    groups: dict[str, GroupRow] = {}
    indicators: list[IndicatorRow] = []
    first_row: dict[str, int] = {}
    for row in table:
        parsed = _parse(row, blocks, groups, first_row, order=len(indicators) + 1)
        if parsed is not None:
            indicators.append(parsed)
    if not errors and not indicators:
        errors.append(RowError(0, "", _("The file has no indicators.")))
    if errors:
        raise ImportRejected(errors)

    framework = Framework.objects.filter(period=period).first()
    summary = ImportSummary(rows=len(indicators))
    block_codes = {block.pk: block.code for block in blocks}
    for block in blocks:
        total = sum((i.max_points for i in indicators if block.pk in i.block_ids), Decimal(0))
        summary.notes.append(
            _("Block %(block)s: %(count)d indicators, maximum %(total)s points.")
            % {
                "block": block.code,
                "count": sum(1 for i in indicators if block.pk in i.block_ids),
                "total": format(total.normalize(), "f"),
            }
        )
    if framework is None:
        summary.created = len(indicators)
        for item in indicators:
            summary.line(_("New indicator %(code)s") % {"code": item.code})
        if write:
            framework = Framework.objects.create(
                period=period,
                name_vi=nfc(name) or _("Criteria framework %(year)s") % {"year": period.year},
            )
            _write(framework, groups, indicators, existing_groups={}, existing={})
        summary.written = write
        return summary

    existing_groups = {group.code: group for group in framework.groups.all()}
    existing = {
        indicator.code: indicator
        for indicator in framework.indicators.select_related("group").prefetch_related("blocks")
    }
    changes = _diff(groups, indicators, existing_groups, existing, block_codes, summary)
    if name and nfc(name) != framework.name_vi:
        changes += 1
    if changes and Answer.objects.filter(submission__period=period).exists():
        raise file_error(
            _(
                "Period %(year)s already has answers, so its framework can no longer change "
                "(%(count)d differences with the file)."
            )
            % {"year": period.year, "count": changes}
        )
    if write and changes:
        if name:
            framework.name_vi = nfc(name)
            framework.save(update_fields=["name_vi"])
        _write(framework, groups, indicators, existing_groups=existing_groups, existing=existing)
    summary.written = write
    return summary


def _parse(
    row: Row,
    blocks: list[Block],
    groups: dict[str, GroupRow],
    first_row: dict[str, int],
    *,
    order: int,
) -> IndicatorRow | None:
    ok = True
    group_code = row.text("group_code")
    group_name_vi, group_name_en = nfc(row.text("group_name_vi")), row.text("group_name_en")
    if not group_code:
        row.error("group_code", _("The group code is missing."))
        ok = False
    elif group_code not in groups:
        if not group_name_vi:
            row.error("group_name_vi", _("The first row of a group must give its name."))
            ok = False
        groups[group_code] = GroupRow(
            group_code, group_name_vi, group_name_en, len(groups) + 1, row.number
        )
    else:
        group = groups[group_code]
        for key, given, known in (
            ("group_name_vi", group_name_vi, group.name_vi),
            ("group_name_en", group_name_en, group.name_en),
        ):
            if given and given != known:
                row.error(
                    key,
                    _("Group %(code)s is named differently in row %(row)d.")
                    % {"code": group_code, "row": group.row},
                )
                ok = False
    code = row.text("code")
    if not code:
        row.error("code", _("The indicator code is missing."))
        ok = False
    elif len(code) > 20:
        row.error("code", _("A code has at most %(max)d characters.") % {"max": 20})
        ok = False
    elif code in first_row:
        row.error(
            "code",
            _("The code %(code)s is already in row %(row)d.")
            % {"code": code, "row": first_row[code]},
        )
        ok = False
    else:
        first_row[code] = row.number
    texts = {key: nfc(row.text(key)) for key in TEXT_FIELDS}
    if not texts["name_vi"]:
        row.error("name_vi", _("The name is missing."))
        ok = False
    for key in TEXT_FIELDS:
        limit = getattr(Indicator._meta.get_field(key), "max_length", None)
        if limit and len(texts[key]) > limit:
            row.error(key, _("At most %(max)d characters.") % {"max": limit})
            ok = False
    kind = _KINDS.get(normalised_name(row.text("kind")))
    if kind is None:
        row.error(
            "kind",
            _("Unknown kind “%(kind)s”: write yes_no, rate, count or scale.")
            % {"kind": row.text("kind")},
        )
        ok = False
    max_points = _max_points(row)
    flags: dict[str, bool] = {}
    for key, default in (("evidence_required", True), ("online_service", False)):
        text = row.text(key)
        value = yes_no(text) if text else default
        if value is None:
            row.error(key, _("Write “có” or “không” (yes or no)."))
            ok = False
        flags[key] = bool(value)
    block_ids = _blocks(row, blocks)
    if not ok or kind is None or max_points is None or block_ids is None:
        return None
    return IndicatorRow(
        row=row.number,
        group=group_code,
        code=code,
        order=order,
        kind=kind,
        max_points=max_points,
        evidence_required=flags["evidence_required"],
        online_service=flags["online_service"],
        block_ids=block_ids,
        texts=texts,
    )


def _max_points(row: Row) -> Decimal | None:
    text = row.text("max_points").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 0 < value <= 100:
        row.error("max_points", _("Maximum points must be above 0 and at most 100."))
        return None
    if value != value.quantize(Decimal("0.01")):
        row.error("max_points", _("Maximum points have at most 2 decimals."))
        return None
    return value.quantize(Decimal("0.01"))


def _blocks(row: Row, blocks: list[Block]) -> frozenset[int] | None:
    text = row.text("blocks")
    if not text or normalised_name(text) in ALL_BLOCKS:
        return frozenset(block.pk for block in blocks)
    by_key: dict[str, Block] = {}
    for block in blocks:
        by_key.setdefault(block.code, block)
        by_key.setdefault(normalised_name(block.name_vi), block)
        if block.name_en:
            by_key.setdefault(normalised_name(block.name_en), block)
    found: set[int] = set()
    unknown: list[str] = []
    for part in (p.strip() for p in _SEPARATORS.split(text)):
        if not part:
            continue
        match = by_key.get(part) or by_key.get(normalised_name(part))
        if match is None:
            unknown.append(part)
        else:
            found.add(match.pk)
    if unknown or not found:
        row.error(
            "blocks",
            _("Unknown blocks: %(blocks)s. The blocks are: %(codes)s.")
            % {
                "blocks": ", ".join(unknown) or text,
                "codes": ", ".join(block.code for block in blocks),
            },
        )
        return None
    return frozenset(found)


def _indicator_values(item: IndicatorRow) -> dict[str, Any]:
    return {
        "order": item.order,
        "kind": item.kind,
        "max_points": item.max_points,
        "evidence_required": item.evidence_required,
        "online_service": item.online_service,
        **item.texts,
    }


def _diff(
    groups: dict[str, GroupRow],
    indicators: list[IndicatorRow],
    existing_groups: dict[str, CriteriaGroup],
    existing: dict[str, Indicator],
    block_codes: dict[int, str],
    summary: ImportSummary,
) -> int:
    """Count (and describe in ``summary``) the differences between the file and the framework."""
    changes = 0
    for group in groups.values():
        old = existing_groups.get(group.code)
        if old is None:
            changes += 1
            summary.line(_("New group %(code)s") % {"code": group.code})
        elif (old.name_vi, old.name_en, old.order) != (group.name_vi, group.name_en, group.order):
            changes += 1
            summary.line(_("Group %(code)s is renamed or moved.") % {"code": group.code})
    for item in indicators:
        old_indicator = existing.get(item.code)
        if old_indicator is None:
            changes += 1
            summary.created += 1
            summary.line(_("New indicator %(code)s") % {"code": item.code})
            continue
        differing = [
            key
            for key, value in _indicator_values(item).items()
            if getattr(old_indicator, key) != value
        ]
        if old_indicator.group.code != item.group:
            differing.append("group")
        if {block.pk for block in old_indicator.blocks.all()} != item.block_ids:
            differing.append("blocks")
        if differing:
            changes += 1
            summary.changed += 1
            summary.line(
                _("%(code)s: changed %(fields)s")
                % {
                    "code": item.code,
                    "fields": ", ".join(
                        str(getattr(Indicator._meta.get_field(key), "verbose_name", key))
                        for key in differing
                    ),
                }
            )
        else:
            summary.unchanged += 1
    in_file = {item.code for item in indicators}
    for code in sorted(set(existing) - in_file):
        changes += 1
        summary.deleted += 1
        summary.line(_("Indicator %(code)s is removed.") % {"code": code})
    for code in sorted(set(existing_groups) - set(groups)):
        changes += 1
        summary.line(_("Group %(code)s is removed.") % {"code": code})
    return changes


def _write(
    framework: Framework,
    groups: dict[str, GroupRow],
    indicators: list[IndicatorRow],
    *,
    existing_groups: dict[str, CriteriaGroup],
    existing: dict[str, Indicator],
) -> None:
    in_file = {item.code for item in indicators}
    Indicator.objects.filter(framework=framework).exclude(code__in=in_file).delete()
    group_rows: dict[str, CriteriaGroup] = {}
    for group in groups.values():
        row = existing_groups.get(group.code) or CriteriaGroup(framework=framework, code=group.code)
        row.name_vi = group.name_vi
        row.name_en = group.name_en
        row.order = group.order
        row.save()
        group_rows[group.code] = row
    CriteriaGroup.objects.filter(framework=framework).exclude(code__in=list(groups)).delete()
    for item in indicators:
        indicator = existing.get(item.code) or Indicator(framework=framework, code=item.code)
        for key, value in _indicator_values(item).items():
            setattr(indicator, key, value)
        indicator.group = group_rows[item.group]
        indicator.full_clean(exclude=["framework", "group", "blocks"], validate_unique=False)
        indicator.save()
        indicator.blocks.set(item.block_ids)
