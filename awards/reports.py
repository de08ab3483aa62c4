"""The results report of a period as a PDF, from the same reads as the public pages."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.models import Period
from awards.models import Award, Category
from rankings import charts
from rankings.selectors import grade_table, publication_of, published_grade_table


def results_report_pdf(period: Period) -> bytes:
    """Block × grade table, the chart and the award lists; the published version when there is
    one (exactly what the public pages show), else the working results marked as a draft."""
    from weasyprint import HTML

    publication = publication_of(period.year)
    if publication is not None:
        rows, overall = published_grade_table(publication)
    else:
        rows, overall = grade_table(period)
    awards = list(
        Award.objects.filter(period=period)
        .exclude(status=Award.Status.REJECTED)
        .select_related("unit", "unit__block")
        .in_list_order()
    )
    if publication is not None:
        awards = [a for a in awards if a.status == Award.Status.CONFIRMED]
    award_groups = [
        (label, [a for a in awards if a.category == value]) for value, label in Category.choices
    ]
    html = render_to_string(
        "awards/report.html",
        {
            "period": period,
            "publication": publication,
            "grade_rows": rows,
            "overall": overall,
            "chart": charts.grade_chart(rows),
            "award_groups": award_groups,
            "generated_at": timezone.now(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
