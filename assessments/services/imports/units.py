"""Importing units: one row per unit (code, name, block, parent, validity, predecessor).

Rows are matched to units by code; a unit that exists is updated where the file differs, so
importing the same file again changes nothing. Blocks are found by code or by name, parents and
predecessors by code or by name (names after NFC normalisation, ignoring case and spacing), in the
file or in the database, whatever the order of the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext as _

from assessments.models import Block, Participation, Period, Unit
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
    parse_date,
)
from assessments.services.reference import nfc, search_key
from assessments.spreadsheets import Sheet

COLUMNS = (
    Column("code", required=True),
    Column("name", required=True),
    Column("block", required=True),
    Column("parent"),
    Column("valid_from"),
    Column("valid_to"),
    Column("predecessor"),
)
CODE_MAX = Unit._meta.get_field("code").max_length or 80
NAME_MAX = Unit._meta.get_field("name").max_length or 255


@dataclass
class UnitRow:
    row: int
    code: str
    name: str
    block: Block
    parent: str  # as written: a code or a name
    predecessor: str
    valid_from: dt.date | None
    valid_to: dt.date | None


def import_units(
    *,
    sheet: Sheet,
    period: Period | None = None,
    dry_run: bool = False,
    actor: User | None = None,
) -> ImportSummary:
    """Create or update the units of ``sheet``; with ``period``, make them take part in it.

    All or nothing: every row is validated first; any bad row raises ``ImportRejected`` listing
    them all, and nothing is written. ``dry_run`` validates and reports without writing.
    """
    with import_transaction(dry_run=dry_run):
        summary = _import(sheet=sheet, period=period, write=not dry_run)
    return summary


def _import(*, sheet: Sheet, period: Period | None, write: bool) -> ImportSummary:
    errors: list[RowError] = []
    table = Table(sheet, COLUMNS, errors=errors)
    if period is not None and period.state not in (Period.State.DRAFT, Period.State.OPEN):
        raise file_error(
            _(
                "Period %(year)s is past self-assessment; the units taking part can no longer "
                "change."
            )
            % {"year": period.year}
        )
    blocks = _blocks()
    rows: list[UnitRow] = []
    first_row: dict[str, int] = {}
    for row in table:
        parsed = _parse(row, blocks, first_row)
        if parsed is not None:
            rows.append(parsed)
    if errors:
        raise ImportRejected(errors)

    existing = {unit.code: unit for unit in Unit.objects.select_related("parent", "predecessor")}
    links = _resolve_links(rows, existing, table, errors)
    if errors:
        raise ImportRejected(errors)

    summary = ImportSummary(rows=len(rows))
    to_create: list[Unit] = []
    to_update: list[Unit] = []
    for item in rows:
        unit = existing.get(item.code)
        values = {
            "name": item.name,
            "search_name": search_key(item.name),
            "block_id": item.block.pk,
            "valid_from": item.valid_from,
            "valid_to": item.valid_to,
        }
        if unit is None:
            unit = Unit(code=item.code, **values)
            to_create.append(unit)
            existing[item.code] = unit
            summary.created += 1
            summary.line(_("New unit %(code)s: %(name)s") % {"code": item.code, "name": item.name})
            continue
        changed = [name for name, value in values.items() if getattr(unit, name) != value]
        parent_code, predecessor_code = links[item.code]
        if (unit.parent.code if unit.parent else None) != parent_code:
            changed.append("parent")
        if (unit.predecessor.code if unit.predecessor else None) != predecessor_code:
            changed.append("predecessor")
        changed = [name for name in changed if name != "search_name"]
        if changed:
            for name, value in values.items():
                setattr(unit, name, value)
            to_update.append(unit)
            summary.changed += 1
            summary.line(
                _("%(code)s: changed %(fields)s")
                % {"code": item.code, "fields": ", ".join(_field_label(name) for name in changed)}
            )
        else:
            summary.unchanged += 1

    if write:
        Unit.objects.bulk_create(to_create)
        for unit in to_update:
            unit.save(update_fields=["name", "search_name", "block", "valid_from", "valid_to"])
        _write_links(rows, links, existing)
    if period is not None:
        _participate(period, rows, summary, write=write)
    summary.written = write
    return summary


def _field_label(name: str) -> str:
    field_name = "block" if name == "block_id" else name
    return str(getattr(Unit._meta.get_field(field_name), "verbose_name", field_name))


def _blocks() -> dict[str, Block]:
    """Blocks by code, and by their names (normalised) in both languages."""
    found: dict[str, Block] = {}
    for block in Block.objects.all():
        found.setdefault(block.code, block)
        for name in (block.name_vi, block.name_en):
            if name:
                found.setdefault(normalised_name(name), block)
    return found


def _parse(row: Row, blocks: dict[str, Block], first_row: dict[str, int]) -> UnitRow | None:
    ok = True
    code = row.text("code")
    if not code:
        row.error("code", _("The unit code is missing."))
        ok = False
    else:
        try:
            validate_slug(code)
        except ValidationError:
            row.error(
                "code",
                _(
                    "“%(code)s” is not a valid code: use letters without accents, digits and "
                    "hyphens."
                )
                % {"code": code},
            )
            ok = False
        if len(code) > CODE_MAX:
            row.error("code", _("A code has at most %(max)d characters.") % {"max": CODE_MAX})
            ok = False
        if code in first_row:
            row.error(
                "code",
                _("The code %(code)s is already in row %(row)d.")
                % {"code": code, "row": first_row[code]},
            )
            ok = False
        else:
            first_row[code] = row.number
    name = nfc(row.text("name"))
    if not name:
        row.error("name", _("The name is missing."))
        ok = False
    elif len(name) > NAME_MAX:
        row.error("name", _("A name has at most %(max)d characters.") % {"max": NAME_MAX})
        ok = False
    written_block = row.text("block")
    block = blocks.get(written_block) or blocks.get(normalised_name(written_block))
    if block is None:
        row.error(
            "block",
            _("Unknown block “%(block)s”. The blocks are: %(codes)s.")
            % {
                "block": written_block,
                "codes": ", ".join(sorted({b.code for b in blocks.values()})),
            },
        )
        ok = False
    dates: dict[str, dt.date | None] = {}
    for key in ("valid_from", "valid_to"):
        try:
            dates[key] = parse_date(row.raw(key))
        except ValueError:
            row.error(key, _("Not a date: write it as YYYY-MM-DD or DD/MM/YYYY."))
            ok = False
    start, end = dates.get("valid_from"), dates.get("valid_to")
    if start and end and end < start:
        row.error("valid_to", _("A unit cannot end before it starts."))
        ok = False
    if not ok or block is None:
        return None
    return UnitRow(
        row=row.number,
        code=code,
        name=name,
        block=block,
        parent=nfc(row.text("parent")),
        predecessor=nfc(row.text("predecessor")),
        valid_from=start,
        valid_to=end,
    )


def _resolve_links(
    rows: list[UnitRow], existing: dict[str, Unit], table: Table, errors: list[RowError]
) -> dict[str, tuple[str | None, str | None]]:
    """code → (parent code, predecessor code), each found by code or by unique name."""
    by_name: dict[str, set[str]] = {}
    for unit in existing.values():
        by_name.setdefault(normalised_name(unit.name), set()).add(unit.code)
    codes = set(existing)
    for item in rows:  # the file's names win over the database's for units it renames
        for unit_name, unit_codes in by_name.items():
            if item.code in unit_codes and unit_name != normalised_name(item.name):
                unit_codes.discard(item.code)
        by_name.setdefault(normalised_name(item.name), set()).add(item.code)
        codes.add(item.code)

    def find(item: UnitRow, key: str, written: str) -> str | None:
        if not written:
            return None
        if written in codes:
            found = written
        else:
            matches = by_name.get(normalised_name(written), set())
            if len(matches) > 1:
                errors.append(
                    RowError(
                        item.row,
                        table.label(key),
                        _("Several units are named “%(name)s”; give the code instead.")
                        % {"name": written},
                    )
                )
                return None
            if not matches:
                errors.append(
                    RowError(
                        item.row,
                        table.label(key),
                        _("No unit has the code or name “%(unit)s”.") % {"unit": written},
                    )
                )
                return None
            found = next(iter(matches))
        if found == item.code:
            errors.append(
                RowError(item.row, table.label(key), _("A unit cannot refer to itself here."))
            )
            return None
        return found

    links = {
        item.code: (find(item, "parent", item.parent), find(item, "predecessor", item.predecessor))
        for item in rows
    }
    _check_cycles(rows, links, existing, table, errors)
    return links


def _check_cycles(
    rows: list[UnitRow],
    links: dict[str, tuple[str | None, str | None]],
    existing: dict[str, Unit],
    table: Table,
    errors: list[RowError],
) -> None:
    """A unit cannot be its own ancestor (parents) or its own forerunner (predecessors)."""
    for index, key in ((0, "parent"), (1, "predecessor")):
        graph: dict[str, str | None] = {}
        for code, unit in existing.items():
            target = unit.parent if index == 0 else unit.predecessor
            graph[code] = target.code if target else None
        for code, pair in links.items():
            graph[code] = pair[index]
        for item in rows:
            seen = {item.code}
            current = graph.get(item.code)
            while current is not None:
                if current in seen:
                    errors.append(
                        RowError(
                            item.row,
                            table.label(key),
                            _("This link makes a loop (%(code)s comes back to itself).")
                            % {"code": item.code},
                        )
                    )
                    break
                seen.add(current)
                current = graph.get(current)


def _write_links(
    rows: list[UnitRow],
    links: dict[str, tuple[str | None, str | None]],
    existing: dict[str, Unit],
) -> None:
    ids = dict(Unit.objects.filter(code__in=list(existing)).values_list("code", "pk"))
    changed: list[Unit] = []
    for item in rows:
        unit = existing[item.code]
        unit.pk = ids[item.code]
        parent, predecessor = links[item.code]
        parent_id = ids[parent] if parent else None
        predecessor_id = ids[predecessor] if predecessor else None
        if unit.parent_id != parent_id or unit.predecessor_id != predecessor_id:
            unit.parent_id, unit.predecessor_id = parent_id, predecessor_id
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["parent", "predecessor"])


def _participate(period: Period, rows: list[UnitRow], summary: ImportSummary, write: bool) -> None:
    """Every unit of the file takes part in ``period``, in the block the file gives."""
    taking_part = {
        p.unit.code: p for p in Participation.objects.filter(period=period).select_related("unit")
    }
    ids = dict(Unit.objects.filter(code__in=[r.code for r in rows]).values_list("code", "pk"))
    for item in rows:
        participation = taking_part.get(item.code)
        if participation is None:
            summary.line(
                _("%(code)s takes part in %(year)s.") % {"code": item.code, "year": period.year}
            )
            if write:
                Participation.objects.create(
                    period=period, unit_id=ids[item.code], block=item.block
                )
        elif participation.block_id != item.block.pk:
            summary.line(
                _("%(code)s is ranked in block %(block)s in %(year)s.")
                % {"code": item.code, "block": item.block.code, "year": period.year}
            )
            if write:
                participation.block = item.block
                participation.save(update_fields=["block"])
