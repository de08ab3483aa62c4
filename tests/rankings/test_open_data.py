"""Open-data downloads: the published results as CSV, XLSX and JSON, in export_results' columns."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from openpyxl import load_workbook

from assessments.models import Answer
from rankings.selectors import EXPORT_COLUMNS
from rankings.services import publish_period, score_period


def csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_the_csv_has_the_columns_of_export_results_and_one_row_per_unit(published, client):
    response = client.get("/results/2014/download.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ket-qua-xep-hang-2014.csv"' in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == ",".join(EXPORT_COLUMNS)
    rows = {row["unit_code"]: row for row in csv_rows(response)}
    assert len(rows) == 6
    assert rows["quan-hoan-kiem"] | {} == {
        "block_code": "quan",
        "unit_code": "quan-hoan-kiem",
        "unit_name": "Quận Hoàn Kiếm",
        "group_i": "40.00",
        "group_ii": "30.00",
        "group_iii": "20.00",
        "group_iv": "10.00",
        "total": "100.00",
        "maximum": "100.00",
        "index": "1.0000",
        "percent": "100.00",
        "grade": "tot",
        "rank": "1",
        "rank_change": "2",
    }
    assert [rows["quan-tay-ho"][c] for c in ("total", "grade", "rank", "rank_change")] == [
        "",
        "",
        "",
        "",
    ]


def test_the_json_has_numbers_as_strings_and_null_for_empty(published, client):
    response = client.get("/results/2014/download.json")

    records = json.loads(response.content)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert all(list(record) == EXPORT_COLUMNS for record in records)
    by_code = {record["unit_code"]: record for record in records}
    assert by_code["quan-dong-da"]["total"] == "70.00"
    assert by_code["quan-dong-da"]["rank_change"] == "0"
    assert by_code["quan-tay-ho"]["total"] is None and by_code["quan-tay-ho"]["grade"] is None


def test_the_xlsx_has_the_same_columns_with_numbers_as_numbers(published, client):
    response = client.get("/results/2014/download.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_COLUMNS
    by_code = {row[1]: row for row in rows[1:]}
    assert len(by_code) == 6
    assert Decimal(str(by_code["quan-dong-da"][7])) == Decimal("70")
    assert by_code["quan-dong-da"][11:] == ("kha", 2, 0)
    assert by_code["quan-tay-ho"][7] is None


def test_a_block_download_has_that_blocks_rows_only(published, client):
    response = client.get("/results/2014/xa/download.csv")

    assert [row["unit_code"] for row in csv_rows(response)] == ["xa-co-loa", "xa-bat-trang"]
    assert client.get("/results/2014/nowhere/download.csv").status_code == 404


def test_the_downloads_serve_the_published_version_not_the_working_results(published, client):
    Answer.objects.filter(
        submission__period__year=2014, submission__unit__code="quan-dong-da", indicator__code="IV.1"
    ).update(reviewer_value_yes=False, reviewer_reason="Chưa ban hành kế hoạch")
    score_period(period=published.periods[2014])

    rows = {r["unit_code"]: r for r in csv_rows(client.get("/results/2014/download.csv"))}
    assert rows["quan-dong-da"]["total"] == "70.00"

    publish_period(period=published.periods[2014], actor=published.admin, note="Sửa IV.1.")

    rows = {r["unit_code"]: r for r in csv_rows(client.get("/results/2014/download.csv"))}
    assert rows["quan-dong-da"]["total"] == "60.00"
    old = client.get("/results/2014/download.csv", {"version": 1})
    assert {r["unit_code"]: r for r in csv_rows(old)}["quan-dong-da"]["total"] == "70.00"
    assert 'filename="ket-qua-xep-hang-2014-v1.csv"' in old["Content-Disposition"]


def test_an_unknown_format_is_not_found(published, client):
    assert client.get("/results/2014/download.pdf").status_code == 404
