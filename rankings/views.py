from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments import selectors
from assessments.models import Indicator, Period
from rankings import scoring, services
from rankings.models import Grade, Result, ScoringRun
from rankings.selectors import grade_table, period_results, thresholds_for

RULE_LABELS = {
    scoring.Rule.NO_ANSWER.value: gettext_lazy("No answer"),
    scoring.Rule.MISSING_EVIDENCE.value: gettext_lazy("Evidence required but missing"),
    scoring.Rule.BLOCK_BEST_ZERO.value: gettext_lazy("Nobody in the block has any: 0 for all"),
}
SOURCE_LABELS = {
    scoring.Source.UNIT.value: gettext_lazy("unit"),
    scoring.Source.REVIEWER.value: gettext_lazy("reviewer"),
}


def home(request: HttpRequest) -> HttpResponse:
    """The latest period's blocks and units, with counts (until the public rankings exist)."""
    period = selectors.latest_period()
    blocks = selectors.period_membership(period) if period else []
    return render(
        request,
        "rankings/home.html",
        {
            "period": period,
            "blocks": blocks,
            "unit_count": sum(len(members.participations) for members in blocks),
        },
    )


@staff_member_required
def period_scoring(request: HttpRequest, year: int) -> HttpResponse:
    """Admins: run the scoring of a period, see the block × grade table and every result."""
    period = get_object_or_404(Period, year=year)
    rows, overall = grade_table(period)
    return render(
        request,
        "rankings/period_scoring.html",
        {
            "period": period,
            "grade_rows": rows,
            "overall": overall,
            "results": period_results(period),
            "runs": ScoringRun.objects.filter(period=period).select_related("started_by")[:5],
        },
    )


@staff_member_required
@require_POST
def run_scoring(request: HttpRequest, year: int) -> HttpResponse:
    period = get_object_or_404(Period, year=year)
    try:
        run = services.score_period(period=period, actor=request.user)
    except services.ScoringError as exc:
        messages.error(request, str(exc))
        return redirect("rankings:scoring", year=year)
    messages.success(
        request,
        _("Scored %(units)d units (%(ranked)d ranked) in %(ms)d ms; %(changed)d results changed.")
        % {
            "units": run.units_count,
            "ranked": run.ranked_count,
            "ms": run.duration_ms,
            "changed": run.changed_count,
        },
    )
    return redirect("rankings:scoring", year=year)


@staff_member_required
def result_explanation(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """Admins: every indicator's value, formula and points, and the distance to the next grade."""
    result = get_object_or_404(
        Result.objects.select_related("period", "unit", "block"),
        period__year=year,
        unit__code=unit_code,
    )
    indicators = {
        indicator.code: indicator
        for indicator in Indicator.objects.filter(framework__period=result.period).select_related(
            "group"
        )
    }
    thresholds = thresholds_for(period=result.period, block=result.block)
    next_grade = (
        scoring.points_to_next_grade(result.total, result.maximum, thresholds)
        if result.total is not None
        else None
    )
    entries = [
        {
            **entry,
            "indicator": indicators.get(entry["code"]),
            "rule_label": RULE_LABELS.get(entry["rule"], ""),
            "source_label": SOURCE_LABELS.get(entry["source"], ""),
        }
        for entry in result.explanation
    ]
    return render(
        request,
        "rankings/result_explanation.html",
        {
            "result": result,
            "entries": entries,
            "thresholds": thresholds,
            "next_grade_label": Grade(next_grade[0]).label if next_grade else None,
            "next_grade_points": next_grade[1] if next_grade else None,
        },
    )
