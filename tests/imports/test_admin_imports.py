"""Imports in the admin: upload, a preview that writes nothing (every bad row, or what changes),
then a confirmation that imports exactly the previewed file."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Submission, Unit
from assessments.services.imports import EXPORT_COLUMNS
from tests import factories
from tests.assessments.conftest import in_vietnamese, page
from tests.imports.conftest import csv_lines, database_state

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

UNITS = csv_lines(
    "code,name,block,parent,valid_from,valid_to,predecessor",
    "huyen-ba-vi,Huyện Ba Vì,test-so-nganh,,,,",
    "xa-thuy-an,Xã Thụy An,test-xa,huyen-ba-vi,,,",
)
ANSWERS = csv_lines(
    "unit_code,indicator_code,value,numerator,denominator,points,note,evidence_link",
    "test-so-noi-vu,I.1,,40,50,,,https://so-noi-vu.hanoi.gov.vn/a.pdf",
    "test-so-noi-vu,I.2,có,,,,,",
)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def import_url(model: str) -> str:
    return reverse(f"admin:assessments_{model}_import")


def post_file(client, model: str, text: str, name: str = "file.csv", **fields):
    return client.post(
        import_url(model), {"file": SimpleUploadedFile(name, text.encode()), **fields}
    )


def error_rows(content: str) -> list[tuple[str, str, str]]:
    rows = re.findall(
        r'<tr class="import-error"><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>', content
    )
    return [tuple(html.unescape(cell) for cell in row) for row in rows]


def token_of(content: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', content).group(1)


def test_the_change_lists_offer_the_import(admin_client):
    for model in ("unit", "framework", "submission"):
        content = page(admin_client.get(reverse(f"admin:assessments_{model}_changelist")))
        assert f'href="{import_url(model)}"' in content


def test_the_preview_lists_bad_rows_and_writes_nothing(admin_client, block, other_block):
    before = database_state()
    bad = UNITS.replace("test-xa,huyen-ba-vi", "khoi-la,huyen-ba-vi").replace(
        "huyen-ba-vi,Huyện", "huyen ba vi,Huyện"
    )

    response = post_file(admin_client, "unit", bad, "units.csv")

    assert response.status_code == 200
    assert error_rows(page(response)) == [
        (
            "2",
            "code",
            in_vietnamese(
                "“%(code)s” is not a valid code: use letters without accents, digits and hyphens.",
                code="huyen ba vi",
            ),
        ),
        (
            "3",
            "block",
            in_vietnamese(
                "Unknown block “%(block)s”. The blocks are: %(codes)s.",
                block="khoi-la",
                codes="test-so-nganh, test-xa",
            ),
        ),
    ]
    assert 'name="token"' not in page(response)
    assert database_state() == before


def test_a_good_file_is_previewed_then_imported_on_confirmation(admin_client, block, other_block):
    before = database_state()

    preview = post_file(admin_client, "unit", UNITS, "units.csv")

    assert database_state() == before, "the preview writes nothing"
    assert in_vietnamese("New unit %(code)s: %(name)s", code="huyen-ba-vi", name="Huyện Ba Vì") in (
        html.unescape(page(preview))
    )
    confirmed = admin_client.post(import_url("unit"), {"token": token_of(page(preview))})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("admin:assessments_unit_changelist")
    assert Unit.objects.get(code="xa-thuy-an").parent.code == "huyen-ba-vi"
    again = admin_client.post(import_url("unit"), {"token": token_of(page(preview))})
    assert again.status_code == 302  # the previewed file is gone: the user is asked to upload again
    assert Unit.objects.filter(code__in=["huyen-ba-vi", "xa-thuy-an"]).count() == 2


def test_a_forged_or_foreign_token_imports_nothing(admin_client, block, other_block):
    preview = post_file(admin_client, "unit", UNITS, "units.csv")
    token = token_of(page(preview))
    before = database_state()
    other_admin = Client()
    other_admin.force_login(factories.make_user("admin-2", is_staff=True, is_superuser=True))

    forged = admin_client.post(import_url("unit"), {"token": token[:-2] + "xx"})
    foreign = other_admin.post(import_url("unit"), {"token": token}, follow=True)

    assert forged.status_code == 302
    assert database_state() == before
    assert in_vietnamese(
        "The preview expired or its file is gone; upload the file again."
    ) in html.unescape(page(foreign))


def test_answers_are_imported_through_the_submissions_admin(
    admin_client, participation, indicators
):
    preview = post_file(admin_client, "submission", ANSWERS, period=participation.period.pk)
    confirmed = admin_client.post(import_url("submission"), {"token": token_of(page(preview))})

    assert confirmed.status_code == 302
    submission = Submission.objects.get(unit__code="test-so-noi-vu")
    assert submission.status == Submission.Status.DRAFT
    assert submission.answers.count() == 2


def test_a_hostile_file_is_refused_on_the_form(admin_client, participation, indicators):
    before = database_state()

    response = post_file(
        admin_client, "submission", "<html><body>x</body></html>", period=participation.period.pk
    )

    assert response.status_code == 200
    assert in_vietnamese(
        "“%(name)s” is a web page or an XML file, not CSV text.", name="file.csv"
    ) in html.unescape(page(response))
    assert database_state() == before


def test_only_holders_of_the_permission_are_offered_the_approved_import(
    admin_client, participation, indicators
):
    clerk = factories.make_user("clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_answer", "change_answer", "view_submission"])
    )
    client = Client()
    client.force_login(clerk)

    assert 'name="approved"' in page(admin_client.get(import_url("submission")))
    assert 'name="approved"' not in page(client.get(import_url("submission")))
    # A forged field is ignored: the clerk's import makes drafts.
    preview = post_file(
        client, "submission", ANSWERS, period=participation.period.pk, approved="on"
    )
    client.post(import_url("submission"), {"token": token_of(page(preview))})
    assert Submission.objects.get(unit__code="test-so-noi-vu").status == Submission.Status.DRAFT


def test_staff_without_the_permissions_cannot_import(client, block):
    client.force_login(factories.make_user("viewer", is_staff=True))

    assert client.get(import_url("unit")).status_code == 403
    assert client.post(import_url("unit"), {"token": "x"}).status_code == 403


def test_the_periods_answers_are_exported_in_the_import_format(admin_client, submitted):
    response = admin_client.post(
        reverse("admin:assessments_period_changelist"),
        {"action": "export_answers_csv", "_selected_action": [submitted.period.pk]},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="answers-2014.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert len(lines) == 5
    assert lines[1].startswith("test-so-noi-vu,Sở Nội vụ,I.1,")
