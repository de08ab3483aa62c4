"""The import and export commands: bad rows on stderr and a non-zero exit, nothing written;
the sample files of fixtures/samples import as documented."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

from assessments import services
from assessments.models import Block, Indicator, Period, Submission, Unit
from assessments.services.imports import EXPORT_COLUMNS
from tests.assessments.conftest import in_vietnamese
from tests.imports.conftest import database_state

SAMPLES = services.FIXTURES_DIR / "samples"


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"):
        yield


@pytest.fixture
def reference(db):
    services.load_reference_data()
    return Period.objects.get(year=2014)


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_units_creates_the_sample_units_then_changes_nothing(db):
    for order, (code, name) in enumerate(
        [
            ("quan-thi-xa", "Quận, thị xã"),
            ("huyen", "Huyện"),
            ("phuong-thi-tran", "Phường, thị trấn"),
        ]
    ):
        Block.objects.create(code=code, name_vi=name, order=order)

    first, _ = run("import_units", str(SAMPLES / "units.csv"))
    before = database_state()
    second, _ = run("import_units", str(SAMPLES / "units.csv"))

    summary = (
        "%(rows)d rows: %(created)d created, %(changed)d changed, %(unchanged)d unchanged, "
        "%(deleted)d deleted."
    )
    assert in_vietnamese(summary, rows=5, created=5, changed=0, unchanged=0, deleted=0) in first
    assert in_vietnamese(summary, rows=5, created=0, changed=0, unchanged=5, deleted=0) in second
    assert database_state() == before
    ward = Unit.objects.get(code="phuong-my-dinh-1")
    assert (ward.parent.code, ward.block.code) == ("quan-nam-tu-liem", "phuong-thi-tran")
    assert Unit.objects.get(code="quan-bac-tu-liem").predecessor.code == "huyen-tu-liem"


def test_a_bad_row_is_printed_and_the_command_fails_writing_nothing(reference, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,block\nhuyen-moi,Huyện Mới,huyen\nxa-moi,Xã Mới,khoi-khong-co\n",
        encoding="utf-8",
    )
    before = database_state()
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_units", str(path), stdout=StringIO(), stderr=err)

    assert database_state() == before
    message = in_vietnamese(
        "Unknown block “%(block)s”. The blocks are: %(codes)s.",
        block="khoi-khong-co",
        codes="hiep-quan, huyen, phuong-thi-tran, quan-thi-xa, so-nganh, xa",
    )
    assert err.getvalue().strip() == in_vietnamese(
        "Row %(row)d, column %(column)s: %(message)s"
    ) % {"row": 3, "column": "block", "message": message}


def test_the_sample_framework_is_the_2014_framework(reference):
    period = Period.objects.create(year=2030)

    run("import_framework", str(SAMPLES / "framework-2014.csv"), "--period", "2030")

    def described(year: int) -> list[tuple]:
        return [
            (
                i.group.code,
                i.code,
                i.kind,
                i.max_points,
                i.evidence_required,
                i.online_service,
                i.guidance_vi,
                i.numerator_label_en,
                sorted(i.blocks.values_list("code", flat=True)),
            )
            for i in Indicator.objects.filter(framework__period__year=year).order_by("order")
        ]

    assert described(2030) == described(2014)
    assert period.framework.groups.count() == 4


def test_import_answers_as_approved_names_the_actor(reference, admin_user):
    period = services.open_period(year=2015, copy_from=2014)

    run(
        "import_answers",
        str(SAMPLES / "answers.csv"),
        "--period",
        "2015",
        "--approved",
        "--actor",
        admin_user.username,
    )

    submission = Submission.objects.get(period=period, unit__code="so-thong-tin-va-truyen-thong")
    assert submission.status == Submission.Status.APPROVED
    assert submission.answers.count() == 4
    assert set(submission.audit_entries.values_list("actor", flat=True)) == {admin_user.pk}


def test_a_dry_run_writes_nothing(reference):
    services.open_period(year=2015, copy_from=2014)
    before = database_state()

    out, _ = run("import_answers", str(SAMPLES / "answers.csv"), "--period", "2015", "--dry-run")

    assert database_state() == before
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith(in_vietnamese("Dry run, nothing saved: %(summary)s")[:10])
    )


def test_export_answers_writes_csv_and_xlsx_in_the_import_format(reference, tmp_path):
    period = services.open_period(year=2015, copy_from=2014)
    period.state = Period.State.OPEN
    period.save()
    run("import_answers", str(SAMPLES / "answers.csv"), "--period", "2015")

    run("export_answers", "2015", str(tmp_path / "a.csv"))
    run("export_answers", "2015", str(tmp_path / "a.xlsx"))

    lines = (tmp_path / "a.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert lines[1].startswith("so-thong-tin-va-truyen-thong,Sở Thông tin và Truyền thông,I.1,")
    rows = list(load_workbook(tmp_path / "a.xlsx").worksheets[0].iter_rows(values_only=True))
    assert rows[0] == EXPORT_COLUMNS
    assert rows[1][:7] == (
        "so-thong-tin-va-truyen-thong",
        "Sở Thông tin và Truyền thông",
        "I.1",
        "Tỷ lệ cán bộ, công chức được trang bị máy tính",
        None,
        118,
        120,
    )
    assert len(rows) == 5


def test_an_unknown_period_is_a_clear_error(reference, tmp_path):
    with pytest.raises(CommandError, match="2099"):
        run("import_answers", str(SAMPLES / "answers.csv"), "--period", "2099")
