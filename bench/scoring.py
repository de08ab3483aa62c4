"""Benchmark of the scoring service against a single-SQL reference, at growing sizes.

What it measures, for each size N (default 1,000, 10,000 and 100,000 units):

* ``rankings.services.score_period`` end to end (load approved answers, score every block with
  ``rankings.scoring.score_block``, upsert one ``Result`` per unit, record a ``ScoringRun``):
  once on an empty result table ("1st") and once more with nothing changed ("2nd", idempotent:
  it must write no row);
* one SQL statement (CTEs and window functions over the same tables) that computes total, grade
  and rank in block by DOMAIN.md §4. It only reads: unlike the service it writes no ``Result``
  and builds no per-indicator explanation, so it is the floor, not a like-for-like rival;
* whether the two agree on every unit (the service's stored ``Result`` rows against the SQL rows);
  any disagreement is printed and the script exits with status 1.

Wall-clock seconds, timed in this process; the slower of the two service runs is the one judged
against the issue's targets (10,000 units: ≤ 5 s, and ≤ 3× the SQL). With ``--repeat K`` each
figure is the best of K. Before each first run the period's results are deleted and the table
is VACUUM ANALYZEd. The header prints the load average, because other processes on the machine
change the figures.

The data: a synthetic period per size (years 2050 and up, reused on later runs unless
``--rebuild``), six blocks spread like the 2014 round (22:9:13:17:29:21), N units, the 21
indicators of ``fixtures/framework_2014.json`` (wards and communes without I.6 and II.4) plus,
unless ``--fixture-only``, a 22nd count indicator "II.7", N approved submissions, one answer per
applicable indicator with random valid values (seeded), link evidence on ~97 % of answers and a
reviewer's value with a reason on ~2 %. Loading uses PostgreSQL COPY; its time is printed but is
not one of the measured figures. Units are shared between sizes (``bench-000001`` …), so the
service finds an earlier bench period with results as the "previous period" and computes rank
changes against it, as in real use.

Run from the project root (see bench/README.md)::

    .venv/bin/python bench/scoring.py --sizes 1000,10000,100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import psycopg
from psycopg import conninfo, sql

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_SIZES = "1000,10000,100000"
FIRST_YEAR = 2050  # Period.year must lie in 2000..2100

# The 2014 round's units per block (DOMAIN.md §2); N units are spread in the same proportions.
BLOCK_SHARES = {
    "so-nganh": 22,
    "hiep-quan": 9,
    "quan-thi-xa": 13,
    "huyen": 17,
    "phuong-thi-tran": 29,
    "xa": 21,
}
EXTRA_INDICATOR = {
    "group": "II",
    "code": "II.7",
    "name_vi": "Số bộ dữ liệu mở được công bố (chỉ tiêu thử nghiệm của bench)",
    "name_en": "Open data sets published (benchmark-only indicator)",
    "kind": "count",
    "max_points": "3",
    "evidence_required": True,
    "online_service": False,
    "excluded_blocks": [],
    "order": 22,
}
# Largest count a unit draws for each count indicator.
COUNT_HIGH = {"II.4": 40, "II.6b": 20, "II.7": 12}
EVIDENCE_SHARE = 0.97
REVIEWER_SHARE = 0.02
NOW = dt.datetime(2050, 1, 15, 9, 0, tzinfo=dt.UTC)

# Targets of the issue, for 10,000 units.
TARGET_UNITS = 10_000
TARGET_SECONDS = 5.0
TARGET_RATIO = 3.0


@dataclass
class Measurement:
    units: int
    service_first: float
    service_second: float
    changed_first: int
    changed_second: int
    sql_seconds: float

    @property
    def service_worst(self) -> float:
        return max(self.service_first, self.service_second)


# --- setup ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"comma-separated unit counts (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help=f"PostgreSQL database to use; created if missing (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="rebuild the synthetic periods even if they exist"
    )
    parser.add_argument(
        "--fixture-only",
        action="store_true",
        help="use only the 21 fixture indicators (default: add a 22nd count indicator II.7)",
    )
    parser.add_argument("--seed", type=int, default=2014, help="random seed (default 2014)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each size this many times and keep the best of each figure (default 1)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="ROWS",
        help="after measuring, profile one extra service run of the largest size (cProfile, "
        "ROWS lines by cumulative time); not part of the measured figures",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes must be whole numbers separated by commas")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not args.sizes or min(args.sizes) < len(BLOCK_SHARES):
        parser.error(f"every size must be at least {len(BLOCK_SHARES)} (one unit per block)")
    return args


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist (via the ``postgres`` one)."""
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


# --- step 1: the synthetic period ----------------------------------------------------------------


def read_indicators(*, fixture_only: bool) -> list[dict]:
    data = json.loads((FIXTURES / "framework_2014.json").read_text(encoding="utf-8"))
    indicators = sorted(data["indicators"], key=lambda row: row["order"])
    return indicators if fixture_only else [*indicators, EXTRA_INDICATOR]


def framework_name(size: int, indicator_count: int) -> str:
    return f"bench: {size} units, {indicator_count} indicators"


def ensure_blocks() -> dict[str, int]:
    """The six blocks of the fixture, by code → id."""
    from assessments.models import Block

    rows = json.loads((FIXTURES / "blocks.json").read_text(encoding="utf-8"))["blocks"]
    return {
        row["code"]: Block.objects.get_or_create(
            code=row["code"],
            defaults={"name_vi": row["name_vi"], "name_en": row["name_en"], "order": row["order"]},
        )[0].pk
        for row in rows
    }


def block_of_unit(number: int) -> str:
    """Block code of unit ``bench-<number>``: the 2014 proportions, interleaved."""
    cycle = _block_cycle()
    return cycle[(number - 1) % len(cycle)]


_CYCLE: list[str] = []


def _block_cycle() -> list[str]:
    if not _CYCLE:
        # Bresenham-like interleaving so every prefix of the units is spread over all blocks.
        total = sum(BLOCK_SHARES.values())
        owed = dict.fromkeys(BLOCK_SHARES, 0.0)
        for _ in range(total):
            for code, share in BLOCK_SHARES.items():
                owed[code] += share / total
            code = max(owed, key=lambda c: owed[c])
            owed[code] -= 1
            _CYCLE.append(code)
    return _CYCLE


def find_period(size: int, indicator_count: int):
    """The period already built for this size, if its data is complete; else None."""
    from assessments.models import Period

    period = Period.objects.filter(framework__name_en=framework_name(size, indicator_count)).first()
    if period is None:
        return None
    counts = fetch_one(
        """
        SELECT
          (SELECT count(*) FROM assessments_participation WHERE period_id = %(p)s),
          (SELECT count(*) FROM assessments_submission
            WHERE period_id = %(p)s AND status = 'approved'),
          (SELECT count(*) FROM assessments_answer a
             JOIN assessments_submission s ON s.id = a.submission_id WHERE s.period_id = %(p)s),
          (SELECT count(*) FROM assessments_participation pa
             JOIN assessments_indicator_blocks ib ON ib.block_id = pa.block_id
             JOIN assessments_indicator i ON i.id = ib.indicator_id
             JOIN assessments_framework f ON f.id = i.framework_id AND f.period_id = %(p)s
            WHERE pa.period_id = %(p)s),
          (SELECT count(*) FROM assessments_evidence e
             JOIN assessments_answer a ON a.id = e.answer_id
             JOIN assessments_submission s ON s.id = a.submission_id WHERE s.period_id = %(p)s)
        """,
        {"p": period.pk},
    )
    participations, approved, answers, expected_answers, evidence = counts
    if (
        participations == size
        and approved == size
        and answers == expected_answers
        and answers > 0
        and 0.9 * answers <= evidence <= answers
    ):
        return period
    print(f"  period {period.year} for {size:,} units is incomplete: rebuilding it")
    delete_period(period)
    return None


def delete_period(period) -> None:
    """Delete a bench period and everything in it (plain SQL: the ORM would fetch every row)."""
    from django.db import connection, transaction

    statements = [
        "DELETE FROM rankings_result WHERE period_id = %(p)s",
        "DELETE FROM rankings_scoringrun WHERE period_id = %(p)s",
        """DELETE FROM assessments_evidence e USING assessments_answer a, assessments_submission s
           WHERE e.answer_id = a.id AND a.submission_id = s.id AND s.period_id = %(p)s""",
        """DELETE FROM assessments_answer a USING assessments_submission s
           WHERE a.submission_id = s.id AND s.period_id = %(p)s""",
        "DELETE FROM assessments_submission WHERE period_id = %(p)s",
        "DELETE FROM assessments_participation WHERE period_id = %(p)s",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, {"p": period.pk})
        period.delete()  # framework, groups, indicators, overrides: a few rows


def build_period(size: int, indicators: list[dict], blocks: dict[str, int], seed: int):
    """Create the period of ``size`` units with its framework, submissions, answers, evidence."""
    from django.db import connection, transaction

    from assessments.models import Period

    rng = random.Random(seed * 1_000_003 + size)
    with transaction.atomic():
        taken = set(Period.objects.values_list("year", flat=True))
        year = next(y for y in range(FIRST_YEAR, 2101) if y not in taken)
        period = Period.objects.create(year=year, state=Period.State.REVIEW)
        specs = create_framework(period, size, indicators, blocks)
        unit_ids = ensure_units(size, blocks)
        raw = connection.connection  # the psycopg connection under Django's
        with raw.cursor() as cursor:
            copy_participations(cursor, period.pk, unit_ids, blocks)
            submission_ids = copy_submissions(cursor, period.pk, unit_ids)
            answers = copy_answers(cursor, rng, submission_ids, specs, blocks)
            evidence = copy_evidence(cursor, rng, answers)
    with connection.cursor() as cursor:
        for table in (
            "assessments_unit",
            "assessments_participation",
            "assessments_submission",
            "assessments_answer",
            "assessments_evidence",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  period {year}: {size:,} units, {len(answers):,} answers, {evidence:,} evidence")
    return period


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    code: str
    kind: str
    max_points: Decimal
    blocks: frozenset[str]


def create_framework(
    period, size: int, indicators: list[dict], blocks: dict[str, int]
) -> list[IndicatorRow]:
    from assessments.models import CriteriaGroup, Framework, Indicator

    fixture = json.loads((FIXTURES / "framework_2014.json").read_text(encoding="utf-8"))
    framework = Framework.objects.create(
        period=period,
        name_vi=framework_name(size, len(indicators)),
        name_en=framework_name(size, len(indicators)),
    )
    groups = {
        row["code"]: CriteriaGroup.objects.create(
            framework=framework,
            code=row["code"],
            name_vi=row["name_vi"],
            name_en=row["name_en"],
            order=row["order"],
        )
        for row in fixture["groups"]
    }
    specs = []
    for row in indicators:
        indicator = Indicator.objects.create(
            framework=framework,
            group=groups[row["group"]],
            code=row["code"],
            order=row["order"],
            name_vi=row["name_vi"],
            name_en=row["name_en"],
            kind=row["kind"],
            max_points=Decimal(row["max_points"]),
            evidence_required=row["evidence_required"],
            online_service=row["online_service"],
        )
        applies = frozenset(code for code in blocks if code not in row["excluded_blocks"])
        indicator.blocks.set([blocks[code] for code in applies])
        max_points = Decimal(row["max_points"])
        specs.append(IndicatorRow(indicator.pk, row["code"], row["kind"], max_points, applies))
    return specs


def reserve_ids(cursor, table: str, count: int) -> int:
    """Take ``count`` consecutive ids from ``table``'s identity sequence; return the first."""
    sequence = cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table]).fetchone()[0]
    first = cursor.execute("SELECT nextval(%s)", [sequence]).fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def copy_rows(cursor, model, columns: list[str], rows) -> None:
    """COPY ``rows`` (tuples in ``columns`` order) into ``model``'s table.

    Every other NOT NULL column gets what Django would write: ``auto_now`` fields the load
    time, fields with a default their default, text fields "". So columns added to the models
    later do not break the load.
    """
    from django.db import connection

    filled = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in columns or field.null:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = NOW
        elif field.has_default():
            value = field.get_db_prep_save(field.get_default(), connection)
        elif field.empty_strings_allowed:
            value = ""
        else:
            raise SystemExit(
                f"bench: no value for NOT NULL column {model._meta.db_table}.{field.column}"
            )
        filled.append((field.column, value))
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table),
        sql.SQL(", ").join(sql.Identifier(c) for c in [*columns, *(c for c, _ in filled)]),
    )
    tail = tuple(value for _, value in filled)
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *tail))


def ensure_units(size: int, blocks: dict[str, int]) -> dict[int, int]:
    """Units bench-000001 … bench-<size> (shared between sizes): number → id."""
    from django.db import connection

    from assessments.models import Unit

    existing = dict(
        fetch_all("SELECT code, id FROM assessments_unit WHERE code LIKE 'bench-%%'", {})
    )
    missing = [n for n in range(1, size + 1) if unit_code(n) not in existing]
    if missing:
        with connection.connection.cursor() as cursor:
            first = reserve_ids(cursor, "assessments_unit", len(missing))
            for offset, n in enumerate(missing):
                existing[unit_code(n)] = first + offset
            copy_rows(
                cursor,
                Unit,
                ["id", "code", "name", "block_id"],
                (
                    (first + offset, unit_code(n), f"Đơn vị thử {n}", blocks[block_of_unit(n)])
                    for offset, n in enumerate(missing)
                ),
            )
    return {n: existing[unit_code(n)] for n in range(1, size + 1)}


def unit_code(number: int) -> str:
    return f"bench-{number:06d}"


def copy_participations(cursor, period_id: int, unit_ids: dict[int, int], blocks) -> None:
    from assessments.models import Participation

    copy_rows(
        cursor,
        Participation,
        ["period_id", "unit_id", "block_id"],
        ((period_id, unit_id, blocks[block_of_unit(n)]) for n, unit_id in unit_ids.items()),
    )


def copy_submissions(cursor, period_id: int, unit_ids: dict[int, int]) -> dict[int, int]:
    """One approved submission per unit: unit number → submission id."""
    from assessments.models import Submission

    first = reserve_ids(cursor, "assessments_submission", len(unit_ids))
    ids = {n: first + offset for offset, n in enumerate(unit_ids)}
    copy_rows(
        cursor,
        Submission,
        ["id", "unit_id", "period_id", "status", "submitted_at", "approved_at"],
        ((ids[n], unit_id, period_id, "approved", NOW, NOW) for n, unit_id in unit_ids.items()),
    )
    return ids


def draw_value(rng: random.Random, spec: IndicatorRow) -> tuple:
    """A valid (value_yes, numerator, denominator, count, points) for the indicator's kind."""
    kind = spec.kind
    if kind == "rate":
        denominator = rng.randint(1, 300)
        numerator = int(denominator * (1 - 0.8 * rng.random() ** 2))
        return (None, numerator, denominator, None, None)
    if kind == "yes_no":
        return (rng.random() < 0.85, None, None, None, None)
    if kind == "scale":
        steps = int(spec.max_points * 2)
        half_points = max(rng.randint(0, steps), rng.randint(0, steps))
        return (None, None, None, None, Decimal(half_points) / 2)
    count = 0 if rng.random() < 0.2 else rng.randint(0, COUNT_HIGH.get(spec.code, 10))
    return (None, None, None, count, None)


ANSWER_COLUMNS = [
    "id",
    "submission_id",
    "indicator_id",
    "value_yes",
    "numerator",
    "denominator",
    "count",
    "points",
    "reviewer_value_yes",
    "reviewer_numerator",
    "reviewer_denominator",
    "reviewer_count",
    "reviewer_points",
    "reviewer_reason",
]


def copy_answers(
    cursor,
    rng: random.Random,
    submission_ids: dict[int, int],
    specs: list[IndicatorRow],
    blocks: dict[str, int],
) -> list[int]:
    """One answer per applicable indicator per submission; returns the answer ids."""
    from assessments.models import Answer

    applicable = {code: [s for s in specs if code in s.blocks] for code in blocks}
    total = sum(len(applicable[block_of_unit(n)]) for n in submission_ids)
    first = reserve_ids(cursor, "assessments_answer", total)

    def rows():
        answer_id = first
        no_review = (None, None, None, None, None)
        for n, submission_id in submission_ids.items():
            for spec in applicable[block_of_unit(n)]:
                value = draw_value(rng, spec)
                if rng.random() < REVIEWER_SHARE:
                    review, reason = draw_value(rng, spec), "Điều chỉnh theo hồ sơ kiểm chứng"
                else:
                    review, reason = no_review, ""
                yield (answer_id, submission_id, spec.id, *value, *review, reason)
                answer_id += 1

    copy_rows(cursor, Answer, ANSWER_COLUMNS, rows())
    return list(range(first, first + total))


def copy_evidence(cursor, rng: random.Random, answer_ids: list[int]) -> int:
    """A link as evidence on ~97 % of the answers; returns how many."""
    from assessments.models import Evidence

    chosen = [answer_id for answer_id in answer_ids if rng.random() < EVIDENCE_SHARE]
    copy_rows(
        cursor,
        Evidence,
        ["answer_id", "title", "link"],
        (
            (answer_id, "Biên bản", f"https://bench.example.org/evidence/{answer_id}")
            for answer_id in chosen
        ),
    )
    return len(chosen)


def prepare_period(size: int, args: argparse.Namespace, indicators, blocks):
    """Reuse the period of this size, or build it (printing how long loading took)."""
    if args.rebuild:
        from assessments.models import Period

        name = framework_name(size, len(indicators))
        for period in Period.objects.filter(framework__name_en=name):
            delete_period(period)
    period = find_period(size, len(indicators))
    if period is not None:
        print(f"  reusing period {period.year} ({size:,} units)")
        return period
    clock = time.perf_counter()
    period = build_period(size, indicators, blocks, args.seed)
    seconds = time.perf_counter() - clock
    print(f"  loaded in {seconds:.1f} s (not measured)")
    return period


# --- step 2: the service -------------------------------------------------------------------------


def clear_results(period) -> None:
    """Empty the period's results and put it back under review, as before its first scoring.

    The VACUUM ANALYZE leaves the table as autovacuum would: without the dead rows of earlier
    runs (so repeated runs do not slow each other down) and with statistics that match it.
    """
    from django.db import connection

    from assessments.models import Period

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM rankings_result WHERE period_id = %s", [period.pk])
        cursor.execute("VACUUM ANALYZE rankings_result")
    Period.objects.filter(pk=period.pk).update(state=Period.State.REVIEW)


def time_service(period) -> tuple[float, int]:
    """Seconds of one ``score_period`` call, and how many results it wrote."""
    from rankings.services import score_period

    gc.collect()
    clock = time.perf_counter()
    run = score_period(period=period)
    seconds = time.perf_counter() - clock
    return seconds, run.changed_count


# --- step 3: the SQL reference -------------------------------------------------------------------

REFERENCE_SQL = """
WITH
period AS (
  SELECT id, tot_threshold, kha_threshold, trung_binh_threshold
  FROM assessments_period WHERE id = %(period)s
),
-- the indicators of each block, with their maximum
applicable AS (
  SELECT ib.block_id, i.id AS indicator_id, i.kind, i.max_points, i.evidence_required
  FROM assessments_indicator i
  JOIN assessments_framework f ON f.id = i.framework_id AND f.period_id = %(period)s
  JOIN assessments_indicator_blocks ib ON ib.indicator_id = i.id
),
block_max AS (
  SELECT block_id, sum(max_points) AS maximum FROM applicable GROUP BY block_id
),
-- units with an approved submission are ranked, in the block they take part in this period
-- (NOT MATERIALIZED: inlined, the planner sees real row counts and hash-joins the answers)
ranked_units AS NOT MATERIALIZED (
  SELECT pa.unit_id, pa.block_id, s.id AS submission_id
  FROM assessments_participation pa
  JOIN assessments_submission s
    ON s.unit_id = pa.unit_id AND s.period_id = pa.period_id AND s.status = 'approved'
  WHERE pa.period_id = %(period)s
),
-- the value used (the reviewer's when any reviewer column is set) and the evidence rule;
-- read twice below, so PostgreSQL materialises it and evaluates each EXISTS once
used AS (
  SELECT u.unit_id, u.block_id, ap.indicator_id, ap.kind, ap.max_points,
         CASE WHEN r.reviewed THEN a.reviewer_value_yes ELSE a.value_yes END AS yes,
         CASE WHEN r.reviewed THEN a.reviewer_numerator ELSE a.numerator END AS numerator,
         CASE WHEN r.reviewed THEN a.reviewer_denominator ELSE a.denominator END AS denominator,
         CASE WHEN r.reviewed THEN a.reviewer_count ELSE a.count END AS count,
         CASE WHEN r.reviewed THEN a.reviewer_points ELSE a.points END AS points,
         (NOT ap.evidence_required
          OR EXISTS (SELECT 1 FROM assessments_evidence e WHERE e.answer_id = a.id)) AS evidenced
  FROM assessments_answer a
  JOIN ranked_units u ON u.submission_id = a.submission_id
  JOIN applicable ap ON ap.block_id = u.block_id AND ap.indicator_id = a.indicator_id
  CROSS JOIN LATERAL (
    SELECT (a.reviewer_value_yes IS NOT NULL OR a.reviewer_numerator IS NOT NULL
            OR a.reviewer_denominator IS NOT NULL OR a.reviewer_count IS NOT NULL
            OR a.reviewer_points IS NOT NULL) AS reviewed
  ) r
),
-- V: the block's best counting value of each count indicator
best AS (
  SELECT block_id, indicator_id, max(count) AS best
  FROM used WHERE kind = 'count' AND evidenced
  GROUP BY block_id, indicator_id
),
-- numeric round() rounds half away from zero: half-up, as points are never negative
totals AS (
  SELECT u.unit_id, u.block_id,
         sum(CASE
               WHEN NOT evidenced THEN 0
               WHEN kind = 'yes_no' THEN CASE WHEN yes THEN round(max_points, 2) ELSE 0 END
               WHEN kind = 'rate' THEN round(max_points * numerator / denominator, 2)
               WHEN kind = 'scale' THEN round(points, 2)
               WHEN kind = 'count' THEN
                 CASE WHEN b.best > 0 THEN round(max_points * count / b.best, 2) ELSE 0 END
             END) AS total
  FROM used u
  LEFT JOIN best b ON b.block_id = u.block_id AND b.indicator_id = u.indicator_id
  GROUP BY u.unit_id, u.block_id
),
indexed AS (
  SELECT u.unit_id, u.block_id, coalesce(t.total, 0) AS total,
         round(coalesce(t.total, 0) / m.maximum, 4) AS index
  FROM ranked_units u
  LEFT JOIN totals t ON t.unit_id = u.unit_id
  JOIN block_max m ON m.block_id = u.block_id
)
SELECT x.unit_id,
       x.total,
       CASE
         WHEN x.index * 100 >= coalesce(o.tot_threshold, pe.tot_threshold) THEN 'tot'
         WHEN x.index * 100 >= coalesce(o.kha_threshold, pe.kha_threshold) THEN 'kha'
         WHEN x.index * 100 >= coalesce(o.trung_binh_threshold, pe.trung_binh_threshold)
           THEN 'trung_binh'
         ELSE 'yeu'
       END AS grade,
       rank() OVER (PARTITION BY x.block_id ORDER BY x.index DESC) AS rank
FROM indexed x
CROSS JOIN period pe
LEFT JOIN assessments_gradethresholdoverride o
  ON o.period_id = pe.id AND o.block_id = x.block_id
"""


def time_sql(period) -> tuple[float, list[tuple]]:
    """Seconds of the reference statement (rows fetched), and its rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        clock = time.perf_counter()
        cursor.execute(REFERENCE_SQL, {"period": period.pk})
        rows = cursor.fetchall()
        seconds = time.perf_counter() - clock
    return seconds, rows


# --- step 4: agreement ---------------------------------------------------------------------------


def compare(period, sql_rows: list[tuple]) -> list[str]:
    """Every unit where the stored Result and the SQL row differ in total, grade or rank."""
    stored = {
        unit_id: (total, grade, rank)
        for unit_id, total, grade, rank in fetch_all(
            "SELECT unit_id, total, grade, rank FROM rankings_result"
            " WHERE period_id = %(p)s AND rank IS NOT NULL",
            {"p": period.pk},
        )
    }
    expected = {unit_id: (total, grade, rank) for unit_id, total, grade, rank in sql_rows}
    problems = []
    for unit_id in sorted(stored.keys() | expected.keys()):
        mine, theirs = stored.get(unit_id), expected.get(unit_id)
        if mine != theirs:  # Decimal totals compare by value (80.5 == 80.50)
            problems.append(
                f"unit id {unit_id}: service (total, grade, rank) = {mine}, SQL = {theirs}"
            )
    return problems


# --- step 5: the report --------------------------------------------------------------------------


def print_report(
    measurements: list[Measurement],
    indicator_count: int,
    repeat: int,
    load_before: str,
    fingerprint: str,
) -> None:
    print()
    print(
        f"Scoring benchmark — {indicator_count} indicators"
        f"{' (21 from the fixture + II.7, a count)' if indicator_count == 22 else ''}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, PostgreSQL {pg_version()} "
        f"(jit {fetch_one('SHOW jit', {})[0]}); best of {repeat}; "
        f"load average {load_before} before, {load_average()} after"
    )
    print(f"Code measured: {fingerprint}")
    header = (
        f"{'units':>9} {'service 1st':>12} {'service 2nd':>12} {'SQL':>8} "
        f"{'units/s':>9} {'service/SQL':>12} {'s / 1k units':>13}"
    )
    print(header)
    print("-" * len(header))
    for m in measurements:
        print(
            f"{m.units:>9,} {m.service_first:>10.2f} s {m.service_second:>10.2f} s "
            f"{m.sql_seconds:>6.2f} s {m.units / m.service_worst:>9,.0f} "
            f"{m.service_worst / m.sql_seconds:>11.1f}× "
            f"{1000 * m.service_worst / m.units:>13.3f}"
        )
    print(
        "units/s, service/SQL and s / 1k units use the slower of the two service runs; "
        "loading is not included."
    )
    for m in measurements:
        print(
            f"  {m.units:,} units: results written by the 1st run {m.changed_first:,}, "
            f"by the 2nd {m.changed_second:,}"
        )
    if len(measurements) > 1:
        small, large = measurements[0], measurements[-1]
        per_small = small.service_worst / small.units
        per_large = large.service_worst / large.units
        growth = per_large / per_small
        verdict = "linear (or better)" if growth <= 1.25 else "worse than linear"
        print(
            f"Growth: s / 1k units {1000 * per_small:.3f} at {small.units:,} → "
            f"{1000 * per_large:.3f} at {large.units:,} (×{growth:.2f}): {verdict}"
        )
    target = next((m for m in measurements if m.units == TARGET_UNITS), None)
    print(f"Targets of the issue, at {TARGET_UNITS:,} units:")
    if target is None:
        print(f"  not measured (add {TARGET_UNITS} to --sizes)")
        return
    ratio = target.service_worst / target.sql_seconds
    print(
        f"  service ≤ {TARGET_SECONDS:.0f} s: {target.service_worst:.2f} s — "
        f"{'met' if target.service_worst <= TARGET_SECONDS else 'NOT met'}"
    )
    print(
        f"  within {TARGET_RATIO:.0f}× of SQL: {ratio:.1f}× — "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}"
    )


def profile_service(period, rows: int) -> None:
    import cProfile
    import pstats

    clear_results(period)
    profiler = cProfile.Profile()
    profiler.enable()
    time_service(period)
    profiler.disable()
    print(f"\nProfile of one first-run service call ({period.year}), by cumulative time:")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(rows)


# --- helpers and main ----------------------------------------------------------------------------


def fetch_all(statement: str, params: dict) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def fetch_one(statement: str, params: dict) -> tuple:
    return fetch_all(statement, params)[0]


def code_fingerprint() -> str:
    """Short hashes of the scoring code as imported, since it may change between runs."""
    return ", ".join(
        f"{name} {hashlib.sha256((ROOT / name).read_bytes()).hexdigest()[:10]}"
        for name in ("rankings/services.py", "rankings/scoring.py")
    )


def load_average() -> str:
    """The 1-minute load average: other processes competing for the CPUs skew the figures."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def pg_version() -> str:
    return fetch_one("SHOW server_version", {})[0]


def measure(size: int, args: argparse.Namespace, indicators, blocks) -> tuple[Measurement, list]:
    """Steps 1–4 for one size; with ``--repeat`` the best time of each figure is kept."""
    print(f"{size:,} units")
    period = prepare_period(size, args, indicators, blocks)
    firsts, seconds, sqls = [], [], []
    changed_second = 0
    for _ in range(args.repeat):
        clear_results(period)
        first, changed_first = time_service(period)
        second, changed = time_service(period)
        changed_second = max(changed_second, changed)  # any rewrite on a 2nd run is a failure
        sql_seconds, rows = time_sql(period)
        print(
            f"  service: {first:.2f} s, then {second:.2f} s; "
            f"SQL: {sql_seconds:.2f} s ({len(rows):,} rows)"
        )
        firsts.append(first)
        seconds.append(second)
        sqls.append(sql_seconds)
    problems = compare(period, rows)
    measurement = Measurement(
        units=size,
        service_first=min(firsts),
        service_second=min(seconds),
        changed_first=changed_first,
        changed_second=changed_second,
        sql_seconds=min(sqls),
    )
    return measurement, problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    fingerprint = code_fingerprint()  # before the code is imported: others may be editing it
    ensure_database(args.database_url)
    setup_django(args.database_url)
    indicators = read_indicators(fixture_only=args.fixture_only)
    blocks = ensure_blocks()
    load_before = load_average()
    measurements = []
    failed = False
    for size in args.sizes:
        measurement, problems = measure(size, args, indicators, blocks)
        measurements.append(measurement)
        if problems:
            failed = True
            print(f"  MISMATCH: service and SQL disagree on {len(problems):,} units; first ones:")
            for line in problems[:10]:
                print(f"    {line}")
        else:
            print(f"  service and SQL agree on all {size:,} units (total, grade, rank)")
        if measurement.changed_second:
            failed = True
            print(f"  NOT IDEMPOTENT: the 2nd run rewrote {measurement.changed_second:,} results")
    print_report(measurements, len(indicators), args.repeat, load_before, fingerprint)
    if args.profile:
        largest = max(args.sizes)
        profile_service(find_period(largest, len(indicators)), args.profile)
    if failed:
        print("\nFAILED: see the mismatches above.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
