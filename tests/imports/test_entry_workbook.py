"""The officer's workbook for offline entry: download, fill in, upload into the draft.

The workbook lists the unit's indicators with guidance and limits; the upload is validated as the
form validates, saved only when every row is valid, and only by an officer of the unit while the
submission is theirs to edit.
"""

from __future__ import annotations

import html
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments import entry_workbook
from assessments.models import Answer, AuditEntry, Evidence
from assessments.services import submissions as workflow
from tests.assessments.conftest import fill_in, form_url, in_vietnamese, page
from tests.imports.conftest import database_state, xlsx_bytes

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

COLUMN = {key: index for index, key in enumerate(entry_workbook.KEYS, start=1)}
ROW = {"I.1": 7, "I.2": 8, "II.1": 9, "II.2": 10}
LINK = "https://so-noi-vu.hanoi.gov.vn/quyet-dinh-ke-hoach.pdf"


def download_url(unit, year=2014) -> str:
    return reverse("assessments:workbook", args=[unit.code, year])


def upload_url(unit, year=2014) -> str:
    return reverse("assessments:workbook_upload", args=[unit.code, year])


@pytest.fixture
def logged_in(client, officer):
    client.force_login(officer)
    return client


def downloaded(client, unit) -> bytes:
    response = client.get(download_url(unit))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return response.content


def filled(data: bytes, values: dict[tuple[str, str], object]) -> bytes:
    """The workbook with cells set: (indicator code, column key) → value."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    for (code, key), value in values.items():
        sheet.cell(row=ROW[code], column=COLUMN[key], value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, unit, data: bytes, name: str = "tu-danh-gia.xlsx"):
    return client.post(upload_url(unit), {"workbook": SimpleUploadedFile(name, data)})


def errors_table(content: str) -> list[tuple[str, str, str]]:
    rows = re.findall(
        r'<tr class="workbook-error"><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>', content
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


COMPLETE = {
    ("I.1", "numerator"): 40,
    ("I.1", "denominator"): 50,
    ("I.1", "note"): "Số liệu ngày 30/11",
    ("I.1", "evidence_link"): LINK,
    ("I.2", "value"): "có",
    ("II.1", "value"): 7,
    ("II.2", "points"): 3.5,
}


def test_the_workbook_lists_the_units_indicators_with_guidance_and_limits(
    logged_in, unit, draft, indicators
):
    indicators["I.1"].guidance_vi = "Đếm cán bộ có máy tính tại ngày 30/11."
    indicators["I.1"].numerator_label_vi = "Số cán bộ có máy tính"
    indicators["I.1"].save()

    workbook = load_workbook(io.BytesIO(downloaded(logged_in, unit)))

    sheet = workbook.worksheets[0]
    assert unit.name in sheet["A1"].value
    assert [sheet.cell(row=6, column=c).value for c in range(1, len(COLUMN) + 1)] == list(
        entry_workbook.KEYS
    )
    assert sheet.row_dimensions[6].hidden
    codes = [sheet.cell(row=r, column=COLUMN["indicator_code"]).value for r in range(7, 11)]
    assert codes == ["I.1", "I.2", "II.1", "II.2"]
    rate = {key: sheet.cell(row=7, column=COLUMN[key]).value for key in COLUMN}
    assert rate["guidance"] == "Đếm cán bộ có máy tính tại ngày 30/11."
    assert rate["max_points"] == 5
    assert "Số cán bộ có máy tính" in rate["limits"]
    assert (
        "10.000.000" in rate["limits"]
        or "10,000,000" in rate["limits"]
        or "10000000" in rate["limits"]
    )
    scale_limits = sheet.cell(row=10, column=COLUMN["limits"]).value
    assert scale_limits.startswith(
        in_vietnamese("Points: from 0 to %(max)s, in steps of 0.5.", max="4")
    )
    # Cells a kind does not use are locked; the ones it uses are open.
    assert sheet.cell(row=7, column=COLUMN["numerator"]).protection.locked is False
    assert sheet.cell(row=7, column=COLUMN["points"]).protection.locked is True
    assert sheet.cell(row=8, column=COLUMN["value"]).protection.locked is False
    assert sheet.protection.sheet
    validations = {
        (dv.type, dv.formula1, dv.formula2): str(dv.sqref)
        for dv in sheet.data_validations.dataValidation
    }
    assert validations[("list", '"có,không"', None)] == "H8"
    assert validations[("whole", "0", "10000000")] == "I7"
    assert validations[("whole", "1", "10000000")] == "J7"
    assert validations[("whole", "0", "1000000")] == "H9"
    assert ("custom", "AND(ISNUMBER(K10),K10>=0,K10<=4,MOD(K10*2,1)=0)", None) in validations
    meta = workbook[entry_workbook.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    assert {row[0]: row[1] for row in meta.iter_rows(values_only=True)} == {
        "format": entry_workbook.FORMAT,
        "unit_code": unit.code,
        "year": 2014,
        "version": draft.version,
    }


def test_the_form_page_links_to_the_workbook(logged_in, unit, draft):
    content = page(logged_in.get(form_url(unit)))

    assert download_url(unit) in content
    assert f'action="{upload_url(unit)}"' in content


def test_a_filled_workbook_is_saved_into_the_draft(logged_in, unit, draft, officer):
    data = filled(downloaded(logged_in, unit), COMPLETE)

    response = upload(logged_in, unit, data)

    assert response.status_code == 302
    assert response["Location"] == form_url(unit)
    values = {
        a.indicator.code: (a.value_yes, a.numerator, a.denominator, a.count, a.points, a.note)
        for a in Answer.objects.filter(submission=draft).select_related("indicator")
    }
    assert values == {
        "I.1": (None, 40, 50, None, None, "Số liệu ngày 30/11"),
        "I.2": (True, None, None, None, None, ""),
        "II.1": (None, None, None, 7, None, ""),
        "II.2": (None, None, None, None, Decimal("3.5"), ""),
    }
    assert list(
        Evidence.objects.filter(answer__submission=draft).values_list("link", flat=True)
    ) == [LINK]
    assert (
        AuditEntry.objects.filter(
            submission=draft, actor=officer, action=AuditEntry.Action.ANSWER_CHANGED
        ).count()
        == 4
    )


def test_uploading_the_workbook_again_adds_nothing_twice(logged_in, unit, draft):
    upload(logged_in, unit, filled(downloaded(logged_in, unit), COMPLETE))
    before = database_state()

    # The new download carries the saved values and link: uploading it changes nothing.
    response = upload(logged_in, unit, downloaded(logged_in, unit))

    assert response.status_code == 302
    assert database_state() == before


def test_a_bad_workbook_changes_nothing_and_lists_every_error(logged_in, unit, draft):
    data = filled(
        downloaded(logged_in, unit),
        {**COMPLETE, ("I.1", "numerator"): 60, ("II.2", "points"): 3.3},
    )
    before = database_state()

    response = upload(logged_in, unit, data)

    assert response.status_code == 422
    assert database_state() == before
    assert errors_table(page(response)) == [
        (
            "7",
            in_vietnamese("Numerator"),
            in_vietnamese(
                "Cannot be more than the %(denominator)s (%(value)s).",
                denominator=in_vietnamese("Denominator").lower(),
                value=50,
            ),
        ),
        (
            "10",
            in_vietnamese("Points"),
            in_vietnamese("Points must be in steps of 0.5 (0, 0.5, 1, 1.5, …)."),
        ),
    ]


def test_another_units_workbook_is_refused(logged_in, unit, draft, other_draft, other_officer):
    other_client = Client()
    other_client.force_login(other_officer)
    others = downloaded(other_client, other_draft.unit)
    before = database_state()

    response = upload(logged_in, unit, others)

    assert response.status_code == 422
    assert database_state() == before
    [(_row, _column, message)] = errors_table(page(response))
    assert message == in_vietnamese(
        "This workbook is for %(unit)s, %(year)s, not for this self-assessment.",
        unit=other_draft.unit.code,
        year="2014",
    )


def test_a_csv_or_a_hostile_file_is_refused_with_a_message(logged_in, unit, draft):
    before = database_state()

    as_csv = upload(logged_in, unit, b"indicator_code,value\nI.2,co\n", name="a.csv")
    program = upload(logged_in, unit, b"MZ" + bytes(300), name="tu-danh-gia.xlsx")

    assert (as_csv.status_code, program.status_code) == (422, 422)
    assert errors_table(page(as_csv))[0][2] == in_vietnamese(
        "Upload the Excel workbook (.xlsx) downloaded from this page, filled in."
    )
    assert errors_table(page(program))[0][2] == in_vietnamese(
        "“%(name)s” is a program, not a spreadsheet; it cannot be imported.",
        name="tu-danh-gia.xlsx",
    )
    assert database_state() == before


def test_a_workbook_not_from_the_portal_is_refused(logged_in, unit, draft):
    response = upload(logged_in, unit, xlsx_bytes([["indicator_code", "value"], ["I.2", "có"]]))

    assert response.status_code == 422
    assert errors_table(page(response))[0][2] == in_vietnamese(
        "This is not the self-assessment workbook of the portal: download it from this page, "
        "fill it in and upload it."
    )


def test_another_units_officer_can_neither_download_nor_upload(
    client, other_officer, unit, draft, other_draft
):
    client.force_login(other_officer)
    before = database_state()

    assert client.get(download_url(unit)).status_code == 404
    assert upload(client, unit, b"PK").status_code == 404
    assert database_state() == before


def test_anonymous_visitors_are_sent_to_log_in(client, unit, draft):
    response = client.get(download_url(unit))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_submitted_self_assessment_takes_no_upload(logged_in, unit, submitted):
    data = downloaded(logged_in, unit)
    before = database_state()

    response = upload(logged_in, unit, filled(data, {("II.1", "value"): 9}))

    assert response.status_code == 409
    assert database_state() == before


def test_a_workbook_from_before_a_return_is_refused_as_stale(
    logged_in, unit, draft, indicators, officer, reviewer
):
    fill_in(draft, indicators, officer)
    old = downloaded(logged_in, unit)
    submitted = workflow.submit_submission(
        submission=draft, actor=officer, expected_version=draft.version
    )
    workflow.return_submission(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        reason="Kiểm tra lại",
        reopen={indicators["I.1"]: "Sai mẫu số"},
    )
    before = database_state()

    response = upload(logged_in, unit, filled(old, {("I.1", "numerator"): 41}))

    assert response.status_code == 409
    assert in_vietnamese(
        "The submission changed since this workbook was downloaded (it was submitted, returned "
        "or approved). Download the workbook again."
    ) in page(response).replace("&#x27;", "'")
    assert database_state() == before


def test_after_a_return_only_reopened_rows_may_change(
    logged_in, unit, draft, indicators, officer, reviewer
):
    fill_in(draft, indicators, officer)
    submitted = workflow.submit_submission(
        submission=draft, actor=officer, expected_version=draft.version
    )
    workflow.return_submission(
        submission=submitted,
        actor=reviewer,
        expected_version=submitted.version,
        reason="Kiểm tra lại",
        reopen={indicators["I.1"]: "Sai mẫu số"},
    )
    current = downloaded(logged_in, unit)

    refused = upload(logged_in, unit, filled(current, {("II.1", "value"): 9}))
    saved = upload(logged_in, unit, filled(current, {("I.1", "numerator"): 41}))

    assert refused.status_code == 422
    assert errors_table(page(refused)) == [
        (
            "9",
            in_vietnamese("Code"),
            in_vietnamese("Indicator %(code)s was not reopened for revision.", code="II.1"),
        )
    ]
    assert saved.status_code == 302
    assert Answer.objects.get(submission=draft, indicator=indicators["I.1"]).numerator == 41
