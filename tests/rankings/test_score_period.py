"""The scoring service on a small period built with the factories."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import Answer, GradeThresholdOverride, Period, Submission
from rankings.models import PublishedResult, Result, ScoringRun
from rankings.services import publish_period, score_period
from tests import factories

INDICATORS = [
    ("I", "I.1", "rate", 40),
    ("II", "II.4", "count", 30),
    ("III", "III.1", "scale", 20),
    ("IV", "IV.1", "yes_no", 10),
]


@pytest.fixture
def small_period(period, block, other_block):
    """Four units in one block: three approved (A, B, C), one still a draft (D)."""
    framework = factories.make_framework(period, [block, other_block], INDICATORS)
    indicators = {i.code: i for i in framework.indicators.all()}
    units = {}
    for code, name in [("a", "Sở A"), ("b", "Sở B"), ("c", "Sở C"), ("d", "Sở D")]:
        units[code] = factories.make_unit(block, code=code, name=name)
        factories.make_participation(period, units[code])
    values = {  # I.1 rate, II.4 count, III.1 scale, IV.1 yes/no
        "a": ({"numerator": 40, "denominator": 40}, 10, "20", True),  # 100 points
        "b": ({"numerator": 30, "denominator": 40}, 5, "15", True),  # 30 + 15 + 15 + 10 = 70
        "c": ({"numerator": 20, "denominator": 40}, 0, "10", False),  # 20 + 0 + 10 + 0 = 30
    }
    for code, (rate, count, points, yes) in values.items():
        submission = factories.make_submission(units[code], period, Submission.Status.APPROVED)
        factories.make_answer(submission, indicators["I.1"], **rate)
        factories.make_answer(submission, indicators["II.4"], count=count)
        factories.make_answer(submission, indicators["III.1"], points=Decimal(points))
        factories.make_answer(submission, indicators["IV.1"], value_yes=yes)
    factories.make_submission(units["d"], period, Submission.Status.DRAFT)
    return {"period": period, "units": units, "indicators": indicators}


def results_by_code(period: Period) -> dict[str, Result]:
    return {r.unit.code: r for r in Result.objects.filter(period=period).select_related("unit")}


def test_scoring_grades_and_ranks_each_approved_unit_and_lists_the_rest_as_not_ranked(
    small_period,
):
    run = score_period(period=small_period["period"])

    results = results_by_code(small_period["period"])
    assert (results["a"].total, results["a"].grade, results["a"].rank) == (Decimal("100"), "tot", 1)
    assert (results["b"].total, results["b"].grade, results["b"].rank) == (Decimal("70"), "kha", 2)
    assert (results["c"].total, results["c"].grade, results["c"].rank) == (Decimal("30"), "yeu", 3)
    assert results["b"].group_points == (
        Decimal("30.00"),
        Decimal("15.00"),
        Decimal("15.00"),
        Decimal("10.00"),
    )
    assert results["b"].index == Decimal("0.7000") and results["b"].percent == Decimal("70.00")
    assert results["d"].rank is None and results["d"].grade == ""
    assert results["d"].not_ranked_reason_display == "Báo cáo tự đánh giá vẫn là bản nháp"
    assert (run.units_count, run.ranked_count) == (4, 3)
    assert small_period["period"].__class__.objects.get(pk=small_period["period"].pk).state == (
        Period.State.SCORED
    )


def test_scoring_twice_leaves_identical_rows_and_records_both_runs(small_period):
    period = small_period["period"]
    score_period(period=period)
    first = list(Result.objects.filter(period=period).order_by("pk").values())

    second_run = score_period(period=period)

    assert list(Result.objects.filter(period=period).order_by("pk").values()) == first
    assert second_run.changed_count == 0
    assert ScoringRun.objects.filter(period=period).count() == 2


def test_a_reviewer_correction_rescores_only_the_unit_it_concerns(small_period, admin_user):
    period = small_period["period"]
    score_period(period=period)
    before = results_by_code(period)
    Answer.objects.filter(submission__unit__code="b", indicator__code="IV.1").update(
        reviewer_value_yes=False, reviewer_reason="Chưa ban hành kế hoạch"
    )

    run = score_period(period=period, actor=admin_user)

    after = results_by_code(period)
    assert after["b"].total == Decimal("60.00") and after["b"].grade == "trung_binh"
    assert after["a"].scored_at == before["a"].scored_at
    assert run.changed_count == 1 and run.started_by == admin_user
    entry = next(e for e in after["b"].explanation if e["code"] == "IV.1")
    assert entry["source"] == "reviewer" and entry["points"] == "0.00"


def test_missing_evidence_scores_zero_and_the_explanation_says_why(small_period):
    period = small_period["period"]
    Answer.objects.get(submission__unit__code="b", indicator__code="III.1").evidence.all().delete()

    score_period(period=period)

    result = results_by_code(period)["b"]
    entry = next(e for e in result.explanation if e["code"] == "III.1")
    assert entry["rule"] == "missing_evidence" and entry["points"] == "0.00"
    assert result.total == Decimal("55.00")


def test_counts_score_relative_to_the_blocks_best(small_period):
    score_period(period=small_period["period"])

    entry = next(
        e for e in results_by_code(small_period["period"])["b"].explanation if e["code"] == "II.4"
    )
    assert entry["block_best"] == 10 and entry["points"] == "15.00"


def test_a_per_block_threshold_override_changes_the_grade(small_period, block):
    period = small_period["period"]
    GradeThresholdOverride.objects.create(
        period=period,
        block=block,
        tot_threshold=Decimal("90"),
        kha_threshold=Decimal("60"),
        trung_binh_threshold=Decimal("25"),
    )

    score_period(period=period)

    results = results_by_code(period)
    assert results["c"].grade == "trung_binh"
    assert results["a"].grade == "tot"


def test_rescoring_a_published_period_leaves_the_published_snapshot_untouched(
    small_period, admin_user
):
    """Re-scoring a published period (after a correction) changes the working results only: the
    published snapshot stays as it was until a corrected version is published."""
    period = small_period["period"]
    score_period(period=period)
    publication = publish_period(period=period, actor=admin_user)
    snapshot = list(PublishedResult.objects.filter(publication=publication).order_by("pk").values())
    Answer.objects.filter(submission__unit__code="b", indicator__code="IV.1").update(
        reviewer_value_yes=False, reviewer_reason="Chưa ban hành kế hoạch"
    )

    run = score_period(period=period)

    assert run.changed_count == 1
    assert results_by_code(period)["b"].total == Decimal("60.00")
    assert (
        list(PublishedResult.objects.filter(publication=publication).order_by("pk").values())
        == snapshot
    )
    assert Period.objects.get(pk=period.pk).state == Period.State.PUBLISHED


def test_a_unit_that_left_the_period_loses_its_result(small_period):
    period = small_period["period"]
    score_period(period=period)
    period.participations.filter(unit__code="c").delete()

    score_period(period=period)

    assert set(results_by_code(period)) == {"a", "b", "d"}


def test_rank_change_follows_the_previous_period(small_period, block):
    period = small_period["period"]
    earlier = factories.make_period(2013)
    framework = factories.make_framework(earlier, [block], INDICATORS)
    yes_no = framework.indicators.get(code="IV.1")
    for code, yes in [("a", False), ("b", False), ("c", True)]:
        unit = small_period["units"][code]
        factories.make_participation(earlier, unit)
        submission = factories.make_submission(unit, earlier, Submission.Status.APPROVED)
        factories.make_answer(submission, yes_no, value_yes=yes)
    score_period(period=earlier)

    score_period(period=period)

    results = results_by_code(period)
    # 2013: c first, a and b tied second. 2014: a 1st, b 2nd, c 3rd.
    assert (results["a"].rank_change, results["b"].rank_change, results["c"].rank_change) == (
        1,
        0,
        -2,
    )


def test_export_results_writes_the_stored_results_in_the_documented_columns(small_period, tmp_path):
    period = small_period["period"]
    score_period(period=period)
    target = tmp_path / "results.csv"

    call_command("export_results", "2014", "--output", str(target), stderr=io.StringIO())

    rows = list(csv.reader(target.open(encoding="utf-8")))
    assert rows[0] == [
        "block_code",
        "unit_code",
        "unit_name",
        "group_i",
        "group_ii",
        "group_iii",
        "group_iv",
        "total",
        "maximum",
        "index",
        "percent",
        "grade",
        "rank",
        "rank_change",
    ]
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["b"] == [
        "test-so-nganh",
        "b",
        "Sở B",
        "30.00",
        "15.00",
        "15.00",
        "10.00",
        "70.00",
        "100.00",
        "0.7000",
        "70.00",
        "kha",
        "2",
        "",
    ]
    assert by_code["d"][11:] == ["", "", ""]


def test_export_results_as_json_has_one_object_per_unit(small_period):
    score_period(period=small_period["period"])
    out = io.StringIO()

    call_command("export_results", "2014", "--format", "json", stdout=out)

    data = json.loads(out.getvalue())
    assert [row["unit_code"] for row in data] == ["a", "b", "c", "d"]
    assert data[0]["grade"] == "tot"


def test_commands_refuse_an_unknown_or_unscored_period(small_period):
    with pytest.raises(CommandError, match="no period 2099"):
        call_command("score_period", "2099")
    with pytest.raises(CommandError, match="score_period 2014"):
        call_command("export_results", "2014", stdout=io.StringIO())


def test_score_period_command_prints_the_block_by_grade_table(small_period):
    out = io.StringIO()

    call_command("score_period", "2014", stdout=out)

    assert "test-so-nganh" in out.getvalue()
    assert "Scored 4 units (3 ranked)" in out.getvalue()


class TestScoringPages:
    def test_admin_runs_the_scoring_and_sees_the_grade_table(
        self, small_period, admin_user, client
    ):
        client.force_login(admin_user)

        response = client.post(reverse("rankings:run_scoring", args=[2014]), follow=True)

        assert response.status_code == 200
        assert Result.objects.filter(period=small_period["period"]).count() == 4
        content = response.content.decode()
        assert "Sở A" in content and "Báo cáo tự đánh giá vẫn là bản nháp" in content
        assert response.context["overall"].total == 4

    def test_admin_sees_a_units_explanation_and_the_points_to_the_next_grade(
        self, small_period, admin_user, client
    ):
        score_period(period=small_period["period"])
        client.force_login(admin_user)

        response = client.get(reverse("rankings:result_explanation", args=[2014, "b"]))

        assert response.status_code == 200
        content = response.content.decode()
        assert "30 × 5 / 10 = 15.00" in content
        assert response.context["next_grade_points"] == Decimal("10.00")

    @pytest.mark.parametrize("name", ["scoring", "run_scoring", "result_explanation"])
    def test_anonymous_users_and_officers_are_sent_to_the_login(
        self, small_period, officer, client, name
    ):
        args = [2014, "b"] if name == "result_explanation" else [2014]
        url = reverse(f"rankings:{name}", args=args)
        for user in (None, officer):
            if user:
                client.force_login(user)
            response = client.post(url) if name == "run_scoring" else client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert not Result.objects.exists()

    def test_running_the_scoring_needs_a_post(self, small_period, admin_user, client):
        client.force_login(admin_user)

        response = client.get(reverse("rankings:run_scoring", args=[2014]))

        assert response.status_code == 405
        assert not Result.objects.exists()
