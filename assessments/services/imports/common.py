"""What every import shares: columns and headings, cells as text, row errors, the summary.

An import reads a ``spreadsheets.Sheet`` into a ``Table`` (headings matched to the columns the
import knows), validates every row, collecting a ``RowError`` (row number, column, message) for
each bad cell, and writes only when there is none: all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, cast

from django.db import IntegrityError, connections, models, router, transaction
from django.utils.translation import gettext as _

from assessments.services.reference import AssessmentError
from assessments.spreadsheets import Cell, Sheet, column_letter

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
HEADER_SEARCH_ROWS = 30
PREVIEW_LINES = 200


@dataclass(frozen=True, order=True)
class RowError:
    """One bad cell (or row, or heading): where it is and what is wrong, in the user's language.

    ``row`` is the row number as a spreadsheet program shows it (the heading row is usually 1);
    0 means the file as a whole. ``column`` is the column's heading as the file writes it.
    """

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportRejected(AssessmentError):
    """The file is not imported; ``errors`` lists every bad row. Nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__(
            _("The file was not imported: %(count)d errors. Nothing was saved.")
            % {"count": len(self.errors)}
        )


def file_error(message: str) -> ImportRejected:
    """A refusal of the file as a whole (no row to name)."""
    return ImportRejected([RowError(0, "", message)])


@contextmanager
def import_transaction(*, dry_run: bool = False) -> Iterator[None]:
    """One transaction for a whole import; rolled back on a dry run.

    Rows are validated against the database inside it. Should someone else write the same rows
    between validation and writing (a constraint then fails), nothing is saved and the user is
    asked to try again.
    """
    try:
        with transaction.atomic():
            yield
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        raise file_error(
            _(
                "Someone else changed the same data while the file was being imported; nothing "
                "was saved. Import the file again."
            )
        ) from exc


@dataclass
class ImportSummary:
    """What an import did, or would do on a dry run (the admin's preview)."""

    rows: int
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    written: bool = False
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self, text: str) -> None:
        if len(self.lines) < PREVIEW_LINES:
            self.lines.append(text)

    def __str__(self) -> str:
        return _(
            "%(rows)d rows: %(created)d created, %(changed)d changed, %(unchanged)d unchanged, "
            "%(deleted)d deleted."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
        }


@dataclass(frozen=True)
class Column:
    key: str
    required: bool = False


def heading_key(text: Cell) -> str:
    """A heading as a key: "Unit code " → "unit_code"."""
    return "_".join(cell_text(text).lower().replace("-", " ").split())


class Table:
    """A sheet's rows under its headings. Collects heading errors in ``errors``."""

    def __init__(
        self,
        sheet: Sheet,
        columns: Sequence[Column],
        *,
        errors: list[RowError],
        ignored: Sequence[str] = (),
        header_key: str | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.errors = errors
        self._unnamed: set[int] = set()
        self._clean: list[Row] | None = None
        known = {column.key for column in columns}
        header_at = 0
        if header_key is not None:
            header_at = next(
                (
                    i
                    for i, (_number, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS])
                    if header_key in (heading_key(cell) for cell in cells)
                ),
                -1,
            )
        if not sheet.rows or header_at < 0:
            self.header_row = 1
            self.positions: dict[str, int] = {}
            self.labels: dict[str, str] = {}
            self.rows: list[tuple[int, tuple[Cell, ...]]] = []
            errors.append(RowError(0, "", _("The file has no row of column headings.")))
            return
        self.header_row, header = sheet.rows[header_at]
        self.positions = {}
        self.labels = {}
        for index, cell in enumerate(header):
            key = heading_key(cell)
            written = cell_text(cell)
            if not key:
                self._unnamed.add(index)
                continue
            if key in ignored:
                continue
            if key not in known:
                errors.append(
                    RowError(
                        self.header_row,
                        written,
                        _("Unknown column “%(column)s”. The columns are: %(columns)s.")
                        % {"column": written, "columns": ", ".join(c.key for c in columns)},
                    )
                )
                continue
            if key in self.positions:
                errors.append(
                    RowError(
                        self.header_row,
                        written,
                        _("The column “%(column)s” appears twice.") % {"column": written},
                    )
                )
                continue
            self.positions[key] = index
            self.labels[key] = (labels or {}).get(key) or written
        for column in columns:
            if column.required and column.key not in self.positions:
                errors.append(
                    RowError(
                        self.header_row,
                        column.key,
                        _("The column “%(column)s” is missing.") % {"column": column.key},
                    )
                )
        self.rows = sheet.rows[header_at + 1 :]
        if not self.rows:
            errors.append(RowError(0, "", _("The file has no rows under its headings.")))

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def __iter__(self) -> Iterator[Row]:
        """The rows, each checked once for control characters and cells without a heading."""
        if self._clean is None:
            self._clean = [
                row for row in (Row(self, n, cells) for n, cells in self.rows) if row.clean()
            ]
        return iter(self._clean)

    def __len__(self) -> int:
        return len(self.rows)


class Row:
    """One data row; ``text(key)`` is the cell under a column as trimmed text ("" if empty)."""

    __slots__ = ("cells", "number", "table")

    def __init__(self, table: Table, number: int, cells: tuple[Cell, ...]) -> None:
        self.table = table
        self.number = number
        self.cells = cells

    def clean(self) -> bool:
        """Refuse control characters and cells without a heading; False if the row is bad."""
        ok = True
        for index, cell in enumerate(self.cells):
            if isinstance(cell, str) and _CONTROL.search(cell):
                self.error_at(index, _("The cell contains control characters (such as NUL)."))
                ok = False
            elif index in self.table._unnamed and cell_text(cell):
                self.error_at(index, _("This cell is in a column without a heading."))
                ok = False
        return ok

    def error_at(self, index: int, message: str) -> None:
        by_position = {position: key for key, position in self.table.positions.items()}
        key = by_position.get(index)
        column = self.table.label(key) if key else column_letter(index)
        self.table.errors.append(RowError(self.number, column, message))

    def has(self, key: str) -> bool:
        return key in self.table.positions

    def text(self, key: str) -> str:
        position = self.table.positions.get(key)
        if position is None or position >= len(self.cells):
            return ""
        return cell_text(self.cells[position])

    def raw(self, key: str) -> Cell:
        position = self.table.positions.get(key)
        if position is None or position >= len(self.cells):
            return None
        return self.cells[position]

    def error(self, key: str, message: str) -> None:
        self.table.errors.append(RowError(self.number, self.table.label(key), message))


def cell_text(value: Cell) -> str:
    """A cell as text, the way a person reads it: 40.0 → "40", a date → "2014-04-01"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return value.isoformat()


def normalised_name(text: str) -> str:
    """A name for matching: NFC, case-folded, single spaces (codes are matched exactly)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


YES_WORDS = frozenset({"có", "co", "yes", "y", "1", "true", "x", "đúng", "dung"})
NO_WORDS = frozenset({"không", "khong", "no", "n", "0", "false", "sai"})


def yes_no(text: str) -> bool | None:
    """True/False for the usual ways of writing yes and no; None when it is neither."""
    key = normalised_name(text)
    if key in YES_WORDS:
        return True
    if key in NO_WORDS:
        return False
    return None


def parse_date(value: Cell) -> dt.date | None:
    """A date from a date cell, "2014-04-01" or "01/04/2014"; raises ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


_PREPARED_TYPES = frozenset({"JSONField", "DateTimeField", "DateField", "DecimalField"})
INSERT_ROWS_PER_STATEMENT = 500


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT ``rows`` (values in ``fields`` order; foreign keys as ids) in bulk.

    For imports of 10,000 answers with their evidence and audit entries, ``bulk_create`` spends
    most of the time compiling SQL value by value. PostgreSQL gets the rows by COPY (as
    ``rankings.services`` stores results); other databases by multi-row INSERT statements.
    Values of JSON, date, time and decimal fields are adapted by the model field itself
    (``get_db_prep_save``), as the ORM would; the caller gives every column that has no database
    default, and runs this inside its transaction.
    """
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    model_fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in model_fields)
    prepared = [
        (index, field)
        for index, field in enumerate(model_fields)
        if field.get_internal_type() in _PREPARED_TYPES
    ]

    def values_of(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for index, model_field in prepared:
            values[index] = model_field.get_db_prep_save(values[index], connection)
        return values

    count = 0
    with connection.cursor() as wrapper:
        if connection.vendor == "postgresql":
            with wrapper.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values_of(row))
                    count += 1
            return count
        max_params = connection.features.max_query_params or 999
        per_statement = max(1, min(INSERT_ROWS_PER_STATEMENT, max_params // len(model_fields)))
        placeholder = "({})".format(", ".join(["%s"] * len(model_fields)))
        iterator = iter(rows)
        while batch := list(islice(iterator, per_statement)):
            params = [value for row in batch for value in values_of(row)]
            wrapper.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([placeholder] * len(batch)),
                params,
            )
            count += len(batch)
    return count
