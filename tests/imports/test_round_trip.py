"""Round trip: the demo's 2014 answers exported, imported as approved into a fresh period, and
scored: every unit's result is the same as 2014's (DOMAIN.md §4 applied to the same data)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from assessments import services
from assessments.models import Answer, Period
from rankings.models import Result
from rankings.services import score_period

COMPARED = ("group_i", "group_ii", "group_iii", "group_iv", "total", "maximum", "index")


def results(period: Period) -> dict[str, tuple]:
    rows = Result.objects.filter(period=period).select_related("unit")
    return {
        row.unit.code: (
            *(getattr(row, name) for name in COMPARED),
            row.percent,
            row.grade,
            row.rank,
            row.not_ranked_reason,
            row.block_id,
            row.explanation,
        )
        for row in rows
    }


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_exported_answers_imported_into_a_fresh_period_score_identically(
    demo_db, db, tmp_path, extension
):
    original = Period.objects.get(year=2014)
    path = tmp_path / f"answers-2014.{extension}"
    call_command("export_answers", "2014", str(path), stderr=StringIO())
    fresh = services.open_period(year=2016, copy_from=2014)

    call_command("import_answers", str(path), "--period", "2016", "--approved", stdout=StringIO())
    score_period(period=original)
    score_period(period=fresh)

    assert (
        Answer.objects.filter(submission__period=fresh).count()
        == Answer.objects.filter(submission__period=original).count()
    )
    before, after = results(original), results(fresh)
    assert len(before) == 111
    assert after == before
