"""Offline entry in the browser: download the unit's workbook, fill it in Excel's place
(openpyxl), upload it; a bad workbook is refused with its rows listed and nothing saved."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assessments import entry_workbook
from assessments.models import Answer, Evidence, Indicator, Submission

pytestmark = pytest.mark.e2e

YEAR = 2015
UNIT = "xa-bat-trang"  # the demo's commune that has just started its 2015 self-assessment
COLUMN = {key: index for index, key in enumerate(entry_workbook.KEYS, start=1)}


def fill(workbook_path: Path, out: Path, *, numerator_over: bool = False) -> int:
    """Fill every row of the downloaded workbook with a valid value; returns the row count."""
    workbook = load_workbook(workbook_path)
    sheet = workbook.worksheets[0]
    rows = 0
    for row in range(entry_workbook.FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row=row, column=COLUMN["indicator_code"]).value
        if not code:
            continue
        indicator = Indicator.objects.get(framework__period__year=YEAR, code=code)
        cells = {
            Indicator.Kind.YES_NO: {"value": "có"},
            Indicator.Kind.COUNT: {"value": 3},
            Indicator.Kind.RATE: {"numerator": 60 if numerator_over else 40, "denominator": 50},
            Indicator.Kind.SCALE: {"points": 2.5},
        }[indicator.kind]
        for key, value in cells.items():
            sheet.cell(row=row, column=COLUMN[key], value=value)
        sheet.cell(
            row=row,
            column=COLUMN["evidence_link"],
            value=f"https://battrang.invalid/{YEAR}/{code}.pdf",
        )
        rows += 1
    workbook.save(out)
    return rows


def test_officer_downloads_fills_and_uploads_the_workbook(
    demo, page: Page, log_in, screenshot, tmp_path: Path, assert_accessible
) -> None:
    log_in(page, "canbo-battrang")
    page.goto(reverse("assessments:submission", args=[UNIT, YEAR]))
    card = page.locator("section.workbook")
    expect(card).to_be_visible()
    screenshot(page, "01-form")

    with page.expect_download() as caught:
        card.get_by_role("link").click()
    downloaded = tmp_path / caught.value.suggested_filename
    caught.value.save_as(downloaded)
    assert downloaded.name == f"tu-danh-gia-{YEAR}-{UNIT}.xlsx"
    assert load_workbook(io.BytesIO(downloaded.read_bytes())).worksheets[0]["A1"].value

    bad = tmp_path / "bad.xlsx"
    fill(downloaded, bad, numerator_over=True)
    card.locator("input[type=file]").set_input_files(bad)
    card.locator("button[type=submit]").click()
    errors = page.locator("#workbook-errors tbody tr")
    expect(errors.first).to_be_visible()
    assert errors.count() >= 1
    expect(page.locator("#workbook-errors")).to_contain_text("Không được lớn hơn")
    screenshot(page, "02-refused")
    assert_accessible(page)
    submission = Submission.objects.get(unit__code=UNIT, period__year=YEAR)
    assert not Answer.objects.filter(submission=submission, numerator=60).exists()

    good = tmp_path / "good.xlsx"
    rows = fill(downloaded, good)
    page.locator("section.workbook input[type=file]").set_input_files(good)
    page.locator("section.workbook button[type=submit]").click()

    expect(page).to_have_url(
        re.compile(re.escape(reverse("assessments:submission", args=[UNIT, YEAR])) + "$")
    )
    expect(page.locator(".messages .success")).to_contain_text("Đã lưu sổ tính")
    screenshot(page, "03-saved")
    assert Answer.objects.filter(submission=submission, points=2.5).exists()
    assert Evidence.objects.filter(answer__submission=submission).count() >= rows
