"""Pages of the rankings app.

Admin pages (staff only): scoring, a unit's explanation, the publication confirmation.
Public pages (``public_page``: no login, no cookies, cacheable): home, a period, a block, a unit,
the methodology, the search and the open-data downloads. They read published versions only.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from assessments.models import Block, Indicator, Period
from rankings import block_table, charts, scoring, selectors, services
from rankings.models import Grade, Publication, PublishedResult, Result, ScoringRun
from rankings.public import public_page, public_url, published_version
from rankings.selectors import (
    EXPORT_COLUMNS,
    export_rows,
    export_values,
    grade_table,
    period_results,
    thresholds_for,
)

RULE_LABELS = {
    scoring.Rule.NO_ANSWER.value: gettext_lazy("No answer"),
    scoring.Rule.MISSING_EVIDENCE.value: gettext_lazy("Evidence required but missing"),
    scoring.Rule.BLOCK_BEST_ZERO.value: gettext_lazy("Nobody in the block has any: 0 for all"),
}
SOURCE_LABELS = {
    scoring.Source.UNIT.value: gettext_lazy("unit"),
    scoring.Source.REVIEWER.value: gettext_lazy("reviewer"),
}
KIND_LABELS = {
    scoring.Kind.YES_NO.value: gettext_lazy("yes / no"),
    scoring.Kind.RATE.value: gettext_lazy("rate"),
    scoring.Kind.COUNT.value: gettext_lazy("count"),
    scoring.Kind.SCALE.value: gettext_lazy("points awarded"),
}
FIELD_LABELS = {
    "block_id": gettext_lazy("block"),
    "group_i": "I",
    "group_ii": "II",
    "group_iii": "III",
    "group_iv": "IV",
    "total": gettext_lazy("total"),
    "maximum": gettext_lazy("maximum"),
    "index": gettext_lazy("index"),
    "percent": gettext_lazy("percent"),
    "grade": gettext_lazy("grade"),
    "rank": gettext_lazy("rank"),
    "rank_change": gettext_lazy("rank change"),
    "not_ranked_reason": gettext_lazy("why not ranked"),
    "explanation": gettext_lazy("indicator points"),
}


# --- admin pages ---------------------------------------------------------------------------------


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
            "current_publication": Publication.objects.filter(
                period=period, is_current=True
            ).first(),
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


@staff_member_required
def publish(request: HttpRequest, year: int) -> HttpResponse:
    """Admins: confirm the publication of a period (GET shows what the public will see, and the
    differences from the current version; POST publishes)."""
    period = get_object_or_404(Period, year=year)
    note = ""
    if request.method == "POST":
        note = request.POST.get("note", "")
        try:
            publication = services.publish_period(period=period, actor=request.user, note=note)
        except services.PublicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Period %(year)s is published (version %(version)s).")
                % {"year": year, "version": publication.version},
            )
            return redirect("rankings:publish", year=year)
    rows, overall = grade_table(period)
    current, changes = selectors.changes_since_publication(period)
    return render(
        request,
        "rankings/period_publish.html",
        {
            "period": period,
            "grade_rows": rows,
            "overall": overall,
            "current": current,
            "changes": [_change_row(change) for change in changes],
            "can_publish": bool(rows)
            and period.state in {Period.State.SCORED, Period.State.PUBLISHED}
            and (current is None or bool(changes)),
            "note": note,
            "versions": selectors.publication_versions(period),
        },
    )


def _change_row(change: selectors.ResultChange) -> dict[str, Any]:
    def summary(row: Result | PublishedResult | None) -> str:
        if row is None:
            return "–"
        if row.rank is None:
            return str(_("not ranked"))
        return f"{row.total} · {row.get_grade_display()} · #{row.rank}"

    return {
        "unit": change.unit,
        "block": change.block,
        "before": summary(change.before),
        "after": summary(change.after),
        "fields": ", ".join(str(FIELD_LABELS.get(name, name)) for name in change.fields),
    }


# --- public pages --------------------------------------------------------------------------------


def _render_public(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, {**context, "public": True}, status=status)


def _version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 32000:
        raise Http404("No such version.")
    return int(raw)


def _publication(request: HttpRequest, year: int) -> Publication:
    publication = published_version(request, year, _version(request))
    if publication is None:
        raise Http404("This period is not published.")
    return publication


def _version_query(publication: Publication) -> str:
    return "" if publication.is_current else f"?version={publication.version}"


@public_page
def home(request: HttpRequest) -> HttpResponse:
    """The latest published period: its block × grade table, a chart, and the ways in."""
    publications = selectors.current_publications()
    if not publications:
        return _render_public(
            request, "rankings/home.html", {"publication": None, "periods_exist": _any_period()}
        )
    return _period_page(request, publications[0], publications, home=True)


def _any_period() -> bool:
    return Period.objects.exists()


@public_page
def period_results_page(request: HttpRequest, year: int) -> HttpResponse:
    """One published period (its current version, or ``?version=N``)."""
    publication = _publication(request, year)
    return _period_page(request, publication, selectors.current_publications(), home=False)


def _period_page(
    request: HttpRequest,
    publication: Publication,
    publications: list[Publication],
    *,
    home: bool,
) -> HttpResponse:
    rows, overall = selectors.published_grade_table(publication)
    return _render_public(
        request,
        "rankings/home.html",
        {
            "home": home,
            "publication": publication,
            "period": publication.period,
            "grade_rows": rows,
            "overall": overall,
            "chart": charts.grade_chart(rows),
            "publications": publications,
            "versions": selectors.publication_versions(publication.period),
            "version_query": _version_query(publication),
        },
    )


@public_page
def block_page(request: HttpRequest, year: int, block_code: str) -> HttpResponse:
    """One block's ranking in a published period: sortable, with the block's averages.

    One query when the page cache does not answer (the rows): the version comes from the
    publication state, the blocks, their names and maxima from the version's frozen methodology
    (as published), the averages are kept per version. The table and the block links are
    written by ``rankings.block_table``.
    """
    publication = _publication(request, year)
    blocks = selectors.frozen_methodology(publication).get("blocks", [])
    this = next((b for b in blocks if b["code"] == block_code), None)
    if this is None:
        raise Http404("This block has no published results in this period.")
    rows, sort, descending = block_table.sorted_rows(
        selectors.block_ranking(publication, block_code), request.GET.get("sort", "")
    )
    averages = selectors.block_averages(publication, block_code)
    version_query = _version_query(publication)
    return _render_public(
        request,
        "rankings/block.html",
        {
            "publication": publication,
            "period": publication.period,
            "block_code": block_code,
            "block_name": selectors.localised(this),
            "block_links": block_table.block_links(
                [(b["code"], selectors.localised(b)) for b in blocks],
                block_code,
                public_url("rankings:block", year, "BLOCK-CODE") + version_query,
            ),
            "ranking_table": block_table.ranking_table(
                rows,
                publication=publication,
                sort=sort,
                descending=descending,
                unit_url=public_url("rankings:unit", "UNIT-CODE"),
                group_maxima=this.get("group_maxima", {}),
                maximum=this.get("maximum"),
                averages=averages,
            ),
            "averages": averages,
            "maximum": this.get("maximum"),
            "version_query": version_query,
        },
    )


@public_page
def unit_page(request: HttpRequest, unit_code: str) -> HttpResponse:
    """A unit's results across every published period, against its block's averages."""
    unit = selectors.published_unit(unit_code)
    if unit is None:
        raise Http404("No published results for this unit.")
    history = selectors.unit_history(unit)
    latest = history[-1]
    snapshot = selectors.frozen_methodology(latest.result.publication)
    snapshot_block = next(
        (b for b in snapshot.get("blocks", []) if b["code"] == latest.result.block.code), {}
    )
    thresholds = snapshot_block.get("thresholds") or snapshot.get("thresholds", {})
    group_maxima = snapshot_block.get("group_maxima", {})
    groups = [
        {
            "code": group["code"],
            "name": selectors.localised(group),
            "points": points,
            "average": average,
            "maximum": group_maxima.get(group["code"]),
            "difference": None if points is None or average is None else points - average,
        }
        for group, points, average in zip(
            snapshot.get("groups", []),
            latest.result.group_points,
            latest.averages.group_points,
            strict=False,
        )
    ]
    return _render_public(
        request,
        "rankings/unit.html",
        {
            "unit": unit,
            "history": history,
            "latest": latest,
            "groups": groups,
            "chart": charts.index_chart(history, thresholds),
        },
    )


@public_page
def methodology(request: HttpRequest, year: int) -> HttpResponse:
    """How a published period was scored, generated from its frozen framework and the rules."""
    publication = _publication(request, year)
    snapshot = selectors.frozen_methodology(publication)
    blocks = snapshot.get("blocks", [])
    block_names = {b["code"]: selectors.localised(b) for b in blocks}
    groups = []
    for group in snapshot.get("groups", []):
        indicators = []
        for item in snapshot.get("indicators", []):
            if item["group"] != group["code"]:
                continue
            missing = [block_names[c] for c in block_names if c not in item["blocks"]]
            indicators.append(
                {
                    **item,
                    "name": selectors.localised(item),
                    "kind_label": KIND_LABELS.get(item["kind"], item["kind"]),
                    "not_for": missing,
                    "example": _worked_example(item),
                }
            )
        maxima = [Decimal(b["group_maxima"].get(group["code"], "0")) for b in blocks]
        groups.append(
            {
                **group,
                "name": selectors.localised(group),
                "indicators": indicators,
                "maximum": max(maxima, default=Decimal(0)),
                "maxima_differ": len(set(maxima)) > 1,
            }
        )
    block_rows = [
        {
            **block,
            "name": selectors.localised(block),
            "group_maxima": [block["group_maxima"].get(g["code"]) for g in groups],
        }
        for block in blocks
    ]
    tie_example = scoring.competition_ranks(
        {"A": Decimal("0.9000"), "B": Decimal("0.9000"), "C": Decimal("0.8500")}
    )
    return _render_public(
        request,
        "rankings/methodology.html",
        {
            "publication": publication,
            "period": publication.period,
            "framework_name": selectors.localised(snapshot.get("framework", {})),
            "groups": groups,
            "blocks": block_rows,
            "thresholds": snapshot.get("thresholds", {}),
            "thresholds_differ": any(b["thresholds"] != snapshot.get("thresholds") for b in blocks),
            "points_quantum": scoring.POINTS_QUANTUM,
            "index_quantum": scoring.INDEX_QUANTUM,
            "scale_step": scoring.SCALE_STEP,
            "tie_example": tie_example,
            "version_query": _version_query(publication),
        },
    )


def _worked_example(item: dict[str, Any]) -> str:
    """The formula the scoring code itself writes for a sample answer to this indicator."""
    kind = scoring.Kind(item["kind"])
    maximum = Decimal(item["max_points"])
    spec = scoring.IndicatorSpec(
        code=item["code"], group=item["group"], kind=kind, max_points=maximum
    )
    block_best = None
    if kind is scoring.Kind.YES_NO:
        value = scoring.Value(yes=True)
    elif kind is scoring.Kind.RATE:
        value = scoring.Value(numerator=45, denominator=50)
    elif kind is scoring.Kind.COUNT:
        value, block_best = scoring.Value(count=3), 6
    else:
        half = (maximum / 2 / scoring.SCALE_STEP).to_integral_value() * scoring.SCALE_STEP
        value = scoring.Value(points=half)
    answer = scoring.AnswerInput(item["code"], unit_value=value, has_evidence=True)
    return scoring.score_indicator(spec, answer, block_best=block_best).formula


@public_page
def search(request: HttpRequest) -> HttpResponse:
    """Units with published results, found by name with or without diacritics."""
    query = request.GET.get("q", "").strip()[:100]
    hits = selectors.search_units(query) if query else []
    return _render_public(request, "rankings/search.html", {"query": query, "hits": hits})


# --- open data -----------------------------------------------------------------------------------

DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@public_page
def download(
    request: HttpRequest, year: int, file_format: str, block_code: str | None = None
) -> HttpResponse:
    """A published period's results (or one block's) as CSV, XLSX or JSON, in the columns of
    ``export_results``."""
    if file_format not in DOWNLOAD_TYPES:
        raise Http404("Unknown format.")
    publication = _publication(request, year)
    block = None
    if block_code is not None:
        block = Block.objects.filter(
            code=block_code, published_results__publication=publication
        ).first()
        if block is None:
            raise Http404("This block has no published results in this period.")
    results = list(selectors.published_results(publication, block=block))
    name = f"ket-qua-xep-hang-{year}" + (f"-{block.code}" if block else "")
    if not publication.is_current:
        name += f"-v{publication.version}"
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(export_rows(results))
        content: bytes = buffer.getvalue().encode("utf-8")
    elif file_format == "json":
        records = [dict(zip(EXPORT_COLUMNS, export_values(r), strict=True)) for r in results]
        content = (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    else:
        content = _xlsx(results, title=str(year))
    response = HttpResponse(content, content_type=DOWNLOAD_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def _xlsx(results: list[PublishedResult], *, title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(EXPORT_COLUMNS)
    for values in (export_values(r) for r in results):
        # Numbers as numbers in a spreadsheet; codes and names as text.
        sheet.append([values[0], values[1], values[2], *(_number(v) for v in values[3:11])])
        row = sheet.max_row
        sheet.cell(row=row, column=12, value=values[11])
        sheet.cell(row=row, column=13, value=_number(values[12]))
        sheet.cell(row=row, column=14, value=_number(values[13]))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value: str | None) -> Decimal | int | None:
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else Decimal(value)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers (and the benchmark's bare view): the process answers. No database."""
    response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


healthz.public_page = True  # type: ignore[attr-defined]


@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """For monitoring: the process answers and reaches the database (503 while it cannot).

    Load balancers should probe ``/healthz``: while the database is down every app server is
    equally unable, and taking them all out would hide the portal's own 503 page.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = HttpResponse(
            "database unavailable\n", status=503, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = "10"
    else:
        response = HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


readyz.public_page = True  # type: ignore[attr-defined]
