"""The block page's ranking table and block links, written in one pass from format strings.

The uncached block page is what every new published version and every new sort order costs
until the page cache holds it (``bench/public_pages.sh``). Django's template engine spends tens
of microseconds on each variable and tag, and the table has about fourteen per unit, plus its
headings, maxima, averages and the links to the other blocks: written here, the whole of it
costs about what ten template nodes do. The template keeps the rest of the page.

Every value below is a number, a code from the database passed through ``html.escape`` (what
Django's ``escape`` calls, without its check for lazy text, which cost more than the rest of a
row), or markup built here.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rankings import charts
from rankings.models import Grade, Publication
from rankings.selectors import BlockAverages, RankingRow

SORT_KEYS: dict[str, tuple[Callable[[RankingRow], Any], bool]] = {
    # key → (value of a row, first direction is descending)
    "rank": (lambda r: r.rank, False),
    "unit": (lambda r: (r.unit_search_name or r.unit_name, r.unit_name), False),
    "i": (lambda r: r.group_i, True),
    "ii": (lambda r: r.group_ii, True),
    "iii": (lambda r: r.group_iii, True),
    "iv": (lambda r: r.group_iv, True),
    "total": (lambda r: r.total, True),
    "index": (lambda r: r.index, True),
    "change": (lambda r: r.rank_change, True),
}
COLUMNS = (
    # key, heading, numeric
    ("rank", gettext_lazy("Rank"), True),
    ("unit", gettext_lazy("Unit"), False),
    ("i", "I", True),
    ("ii", "II", True),
    ("iii", "III", True),
    ("iv", "IV", True),
    ("total", gettext_lazy("Total"), True),
    ("index", gettext_lazy("Index"), True),
    ("change", gettext_lazy("Change"), True),
)

HEADING = '<th scope="col"{numeric}{order}><a href="{query}">{label}{arrow}</a></th>'
MAXIMA_ROW = (
    '<tr class="maxima"><td></td><td class="muted">{label}</td>{cells}'
    '<td class="num muted">{maximum}</td><td class="num muted">1</td><td></td><td></td></tr>'
)
RANKED_ROW = (
    '<tr><td class="num">{rank}</td><th scope="row"><a href="{url}">{name}</a></th>'
    '{cells}<td class="num"><strong>{total}</strong></td><td class="num">{index}</td>'
    '<td><span class="badge grade-{grade}">{grade_label}</span></td>'
    '<td class="num">{change}</td></tr>'
)
UNRANKED_ROW = (
    '<tr><td class="num">–</td><th scope="row"><a href="{url}">{name}</a></th>'
    '<td colspan="8" class="muted">{reason}</td></tr>'
)
AVERAGES_ROW = (
    '<tr>\n      <td></td><th scope="row">{label}</th>\n      {cells}\n'
    '      <td class="num">{total}</td><td class="num">{index}</td><td></td><td></td>\n    </tr>'
)


def sorted_rows(rows: list[RankingRow], sort: str) -> tuple[list[RankingRow], str, bool]:
    """Rows sorted by ``sort`` (``-`` first for descending); unranked rows and rows without the
    value stay last. Returns the rows, the key and whether descending."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, descending = "rank", False
    value_of = SORT_KEYS[key][0]
    with_value: list[RankingRow] = []
    without: list[RankingRow] = []
    for row in rows:
        (with_value if row.rank is not None and value_of(row) is not None else without).append(row)
    with_value.sort(key=lambda r: (r.rank or 0, r.unit_name))
    with_value.sort(key=value_of, reverse=descending)
    return with_value + without, key, descending


def ranking_table(
    rows: list[RankingRow],
    *,
    publication: Publication,
    sort: str,
    descending: bool,
    unit_url: str,
    group_maxima: Mapping[str, Any],
    maximum: Any,
    averages: BlockAverages,
) -> SafeString:
    """The table's ``<thead>``, ``<tbody>`` and ``<tfoot>``: sort headings and the block's
    maxima; a row per result, in the given order; the averages of the ranked units.

    ``unit_url`` is a unit's address with ``UNIT-CODE`` in place of its code.
    """
    separator = get_format("DECIMAL_SEPARATOR")
    maxima = MAXIMA_ROW.format(
        label=html.escape(_("Maximum points")),
        cells="".join(
            f'<td class="num muted">{charts.plain(value)}</td>' for value in group_maxima.values()
        ),
        maximum=charts.plain(maximum),
    )
    label = ngettext(
        "Block average (%(counter)s unit)", "Block average (%(counter)s units)", averages.ranked
    ) % {"counter": averages.ranked}
    foot = AVERAGES_ROW.format(
        label=html.escape(label),
        cells=_cells(averages.group_points, separator),
        total=_number(averages.total, separator),
        index=_number(averages.index, separator),
    )
    return mark_safe(  # every piece is escaped or a number (see the module's docstring)
        f"<thead><tr>\n      {_headings(publication, sort, descending)}\n    </tr>\n    "
        f"{maxima}\n    </thead>\n    <tbody>\n"
        f"{_body(rows, unit_url, separator)}\n    </tbody>\n    <tfoot>{foot}</tfoot>"
    )


def _number(value: Decimal | None, separator: str) -> str:
    """A stored number as stored (its places kept), with the language's decimal separator."""
    return "–" if value is None else str(value).replace(".", separator)


def _cells(values: Iterable[Decimal | None], separator: str) -> str:
    return "".join(f'<td class="num">{_number(value, separator)}</td>' for value in values)


def _headings(publication: Publication, sort: str, descending: bool) -> str:
    """Each column's heading links to the table sorted by it (again: reversed); the sorted one
    says so (``aria-sort`` and an arrow)."""
    headings = []
    arrow = f' <span aria-hidden="true">{"↓" if descending else "↑"}</span>'
    version = "" if publication.is_current else f"&amp;version={publication.version}"
    for key, label, numeric in COLUMNS:
        active = key == sort
        next_descending = (not descending) if active else SORT_KEYS[key][1]
        headings.append(
            HEADING.format(
                numeric=' class="num"' if numeric else "",
                order=f' aria-sort="{"descending" if descending else "ascending"}"'
                if active
                else "",
                query=f"?sort={'-' if next_descending else ''}{key}{version}",
                label=html.escape(str(label)),
                arrow=arrow if active else "",
            )
        )
        if key == "index":
            headings.append(f'<th scope="col">{html.escape(_("Grade"))}</th>')
    return "".join(headings)


def _body(rows: list[RankingRow], unit_url: str, separator: str) -> str:
    grades = {grade.value: html.escape(str(grade.label)) for grade in Grade}
    reason = html.escape(_("Not ranked (no approved self-assessment)"))
    changes: dict[int | None, str] = {}
    lines = []
    for row in rows:
        url = html.escape(unit_url.replace("UNIT-CODE", row.unit_code))
        name = html.escape(row.unit_name)
        if not row.rank:
            lines.append(UNRANKED_ROW.format(url=url, name=name, reason=reason))
            continue
        if row.rank_change not in changes:
            changes[row.rank_change] = rank_change_html(row.rank_change)
        lines.append(
            RANKED_ROW.format(
                rank=row.rank,
                url=url,
                name=name,
                cells=_cells(row.group_points, separator),
                total=_number(row.total, separator),
                index=_number(row.index, separator),
                grade=html.escape(row.grade),
                grade_label=grades.get(row.grade, ""),
                change=changes[row.rank_change],
            )
        )
    return "\n".join(lines)


def rank_change_html(change: int | None) -> str:
    """▲ 2 / ▼ 1 / = / –, with a spoken title (also the ``rank_change`` template tag)."""
    if change is None:
        title, css, text = _("no comparable rank last period"), "muted", "–"
    elif change > 0:
        title = ngettext("up %(n)s place", "up %(n)s places", change) % {"n": change}
        css, text = "rank-up", f"▲ {change}"
    elif change < 0:
        title = ngettext("down %(n)s place", "down %(n)s places", -change) % {"n": -change}
        css, text = "rank-down", f"▼ {-change}"
    else:
        return f'<span title="{html.escape(_("unchanged"))}">=</span>'
    return f'<span class="{css}" title="{html.escape(title)}">{text}</span>'


def block_links(blocks: list[tuple[str, str]], current: str, block_url: str) -> SafeString:
    """The list of the period's blocks (code, name), each a link but the current one.

    ``block_url`` is a block's address with ``BLOCK-CODE`` in place of its code (and the
    version's query).
    """
    items = []
    for code, block_name in blocks:
        name = html.escape(block_name)
        if code == current:
            items.append(f'<li><strong aria-current="page">{name}</strong></li>')
        else:
            url = html.escape(block_url.replace("BLOCK-CODE", code))
            items.append(f'<li><a href="{url}">{name}</a></li>')
    return mark_safe("<ul>" + "\n  ".join(items) + "</ul>")  # names and codes escaped
