"""Benchmark of the answers import: 10,000 rows, all or nothing, against the 5-second target.

What it measures, for a CSV and an XLSX file of the same 10,000 answer rows (500 units: 250 of
block so-nganh with its 21 indicators and 250 of block xa with its 19, the 2014 framework of
``fixtures/samples/framework-2014.csv``; seeded random values of every kind, a note on some
rows, an evidence link on ~97 %):

* **bad**: the same file whose last row (row 10,001) has points off the 0.5 grid. The import
  must refuse it, name exactly that row and the column ``points``, and write nothing (the
  submissions, answers, evidence and audit entries are counted before and after);
* **drafts**: the good file into an open period with no submissions yet (500 drafts, 10,000
  answers, ~9,700 links and ~20,000 audit entries written);
* **again**: the same good file once more: every row unchanged, nothing written;
* **approved**: the good file into another period as approved submissions (past years).

Each figure is wall-clock seconds from the file's bytes to the committed transaction (the file
is parsed and vetted by ``assessments.spreadsheets``, as an upload or a command would have it);
with ``--repeat K`` the best of K. Before each drafts or approved run the period's submissions
are deleted (not timed). The header prints the load average: other processes on the machine
change the figures.

The database: PostgreSQL by default (created and migrated if missing), or SQLite with
``--database-url sqlite:////tmp/bench-imports.sqlite3`` (a file of its own; the development
database is never touched). Blocks, units and periods are made by the import services
themselves (years 2090 and 2091), and reused on later runs.

Run from the project root (see bench/README.md)::

    .venv/bin/python bench/imports.py
    .venv/bin/python bench/imports.py --database-url sqlite:////tmp/bench-imports.sqlite3
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "samples"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_imports"
DRAFT_YEAR, APPROVED_YEAR = 2090, 2091
UNITS_PER_BLOCK = {"so-nganh": 250, "xa": 250}
ROWS = 10_000
TARGET_SECONDS = 5.0
BAD_POINTS = "3.3"


@dataclass
class Figure:
    file: str
    run: str
    seconds: float
    outcome: str


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"PostgreSQL (created if missing) or sqlite:////path (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument("--repeat", type=int, default=1, help="best of K runs (default 1)")
    parser.add_argument("--seed", type=int, default=2014, help="random seed (default 2014)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    if not url.startswith("postgres"):
        return
    import psycopg
    from psycopg import conninfo, sql

    name = conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(conninfo.make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")


def setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "hanoi_ict.settings"
    os.environ["TESTING"] = "1"
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# --- the data --------------------------------------------------------------------------------


def prepare() -> tuple[object, object, dict[str, list]]:
    """Blocks, 500 units, the draft and approved periods with the 2014 framework (reused)."""
    import json

    from django.utils import translation

    from assessments.models import Block, Indicator, Period
    from assessments.services import imports
    from assessments.spreadsheets import read_bytes, read_path, write_csv

    translation.activate("vi")
    for row in json.loads((ROOT / "fixtures" / "blocks.json").read_text(encoding="utf-8"))[
        "blocks"
    ]:
        Block.objects.get_or_create(
            code=row["code"],
            defaults={"name_vi": row["name_vi"], "name_en": row["name_en"], "order": row["order"]},
        )
    periods = {}
    for year, state in ((DRAFT_YEAR, Period.State.OPEN), (APPROVED_YEAR, Period.State.REVIEW)):
        period, _ = Period.objects.get_or_create(year=year, defaults={"state": state})
        Period.objects.filter(pk=period.pk).update(state=Period.State.DRAFT)
        period.refresh_from_db()
        imports.import_framework(sheet=read_path(SAMPLES / "framework-2014.csv"), period=period)
        units = [
            (f"bench-{block}-{n:03d}", f"Đơn vị thử {block} {n:03d}", block)
            for block, count in UNITS_PER_BLOCK.items()
            for n in range(count)
        ]
        sheet = read_bytes(write_csv(["code", "name", "block"], units), name="units.csv")
        imports.import_units(sheet=sheet, period=period)
        Period.objects.filter(pk=period.pk).update(state=state)
        period.refresh_from_db()
        periods[year] = period
    indicators = {
        block: list(
            Indicator.objects.filter(framework__period=periods[DRAFT_YEAR], blocks__code=block)
            .select_related("group")
            .order_by("group__order", "order")
        )
        for block in UNITS_PER_BLOCK
    }
    return periods[DRAFT_YEAR], periods[APPROVED_YEAR], indicators


def answer_rows(indicators: dict[str, list], seed: int, *, bad: bool) -> list[list[object]]:
    """10,000 rows in the export's column order; the last row is a scale indicator's."""
    from assessments.models import Indicator

    rng = random.Random(seed)
    rows: list[list[object]] = []
    for block, count in UNITS_PER_BLOCK.items():
        specs = sorted(indicators[block], key=lambda i: i.kind == Indicator.Kind.SCALE)
        for n in range(count):
            code = f"bench-{block}-{n:03d}"
            for indicator in specs:
                value = numerator = denominator = points = None
                if indicator.kind == Indicator.Kind.YES_NO:
                    value = rng.choice(["có", "không"])
                elif indicator.kind == Indicator.Kind.COUNT:
                    value = rng.randint(0, 40)
                elif indicator.kind == Indicator.Kind.RATE:
                    denominator = rng.randint(20, 3000)
                    numerator = rng.randint(0, denominator)
                else:
                    points = rng.randint(0, int(indicator.max_points * 2)) / 2
                link = (
                    f"https://bench.hanoi-ict.invalid/{code}/{indicator.code}.pdf"
                    if rng.random() < 0.97
                    else ""
                )
                note = "Số liệu tại ngày 30/11" if rng.random() < 0.2 else ""
                rows.append(
                    [
                        code,
                        "",
                        indicator.code,
                        "",
                        value,
                        numerator,
                        denominator,
                        points,
                        note,
                        link,
                        None,
                        None,
                        None,
                        None,
                        "",
                    ]
                )
    assert len(rows) == ROWS, len(rows)
    if bad:
        assert rows[-1][7] is not None, "the last row must be a scale indicator's"
        rows[-1][7] = BAD_POINTS
    return rows


def files(indicators: dict[str, list], seed: int) -> dict[tuple[str, bool], bytes]:
    from assessments.services.imports import EXPORT_COLUMNS
    from assessments.spreadsheets import write_csv, write_xlsx

    made = {}
    for bad in (False, True):
        rows = answer_rows(indicators, seed, bad=bad)
        made[("csv", bad)] = write_csv(EXPORT_COLUMNS, rows)
        made[("xlsx", bad)] = write_xlsx(EXPORT_COLUMNS, rows, title="answers")
    return made


# --- the measurements -------------------------------------------------------------------------


def counts(period) -> tuple[int, ...]:
    from assessments.models import Answer, AuditEntry, Evidence, Submission

    return (
        Submission.objects.filter(period=period).count(),
        Answer.objects.filter(submission__period=period).count(),
        Evidence.objects.filter(answer__submission__period=period).count(),
        AuditEntry.objects.count(),
    )


def clear(period) -> None:
    from assessments.models import Submission

    Submission.objects.filter(period=period).delete()


def timed_import(data: bytes, fmt: str, period, *, approved: bool = False):
    from assessments.services import imports
    from assessments.spreadsheets import read_bytes

    gc.collect()
    clock = time.perf_counter()
    try:
        sheet = read_bytes(data, name=f"answers.{fmt}")
        result = imports.import_answers(sheet=sheet, period=period, approved=approved)
    except imports.ImportRejected as exc:
        return time.perf_counter() - clock, exc
    return time.perf_counter() - clock, result


def measure_bad(data: bytes, fmt: str, period, repeat: int) -> Figure:
    from assessments.services.imports import ImportRejected

    best = float("inf")
    for _ in range(repeat):
        before = counts(period)
        seconds, outcome = timed_import(data, fmt, period)
        if not isinstance(outcome, ImportRejected):
            raise SystemExit(f"{fmt}: the file with a bad last row was imported")
        errors = [(e.row, e.column) for e in outcome.errors]
        if errors != [(ROWS + 1, "points")]:
            raise SystemExit(f"{fmt}: expected one error at row {ROWS + 1}, points; got {errors}")
        if counts(period) != before:
            raise SystemExit(f"{fmt}: the rejected import wrote something")
        best = min(best, seconds)
    error = outcome.errors[0]
    return Figure(fmt, "bad last row", best, f"refused, 0 written: {error}")


def measure_good(data: bytes, fmt: str, draft, approved, repeat: int) -> list[Figure]:
    figures = []
    best_draft = best_again = best_approved = float("inf")
    for _ in range(repeat):
        clear(draft)
        seconds, _summary = timed_import(data, fmt, draft)
        best_draft = min(best_draft, seconds)
        written = counts(draft)[:3]
        seconds, again = timed_import(data, fmt, draft)
        best_again = min(best_again, seconds)
        if counts(draft)[:3] != written or again.created or again.changed:
            raise SystemExit(f"{fmt}: importing the same file again changed something")
        clear(approved)
        seconds, _recorded = timed_import(data, fmt, approved, approved=True)
        best_approved = min(best_approved, seconds)
    submissions, answers, evidence = written
    figures.append(
        Figure(
            fmt,
            "drafts",
            best_draft,
            f"{submissions} drafts, {answers:,} answers, {evidence:,} links",
        )
    )
    figures.append(Figure(fmt, "same file again", best_again, f"{again.unchanged:,} unchanged"))
    figures.append(
        Figure(fmt, "approved", best_approved, f"{counts(approved)[1]:,} answers approved")
    )
    return figures


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    clock = time.perf_counter()
    draft, approved, indicators = prepare()
    made = files(indicators, args.seed)
    print(f"set-up {time.perf_counter() - clock:.1f} s (not measured)")
    print(
        f"{ROWS:,} answer rows; {describe_database()}; load {os.getloadavg()[0]:.1f}; "
        f"files: csv {len(made[('csv', False)]) / 1e6:.1f} MB, "
        f"xlsx {len(made[('xlsx', False)]) / 1e6:.1f} MB; best of {args.repeat}"
    )
    figures: list[Figure] = []
    for fmt in ("csv", "xlsx"):
        figures.append(measure_bad(made[(fmt, True)], fmt, draft, args.repeat))
        figures.extend(measure_good(made[(fmt, False)], fmt, draft, approved, args.repeat))
    print(f"{'file':5} {'run':16} {'seconds':>8} {'of 5 s':>7}  outcome")
    for figure in figures:
        print(
            f"{figure.file:5} {figure.run:16} {figure.seconds:8.2f} "
            f"{figure.seconds / TARGET_SECONDS:6.0%}  {figure.outcome}"
        )
    worst = max(f.seconds for f in figures)
    verdict = "met" if worst <= TARGET_SECONDS else "MISSED"
    print(f"target: every run ≤ {TARGET_SECONDS:.0f} s — slowest {worst:.2f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
