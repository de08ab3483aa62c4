"""Who may open and change which self-assessment.

An officer sees and changes only their own units' submissions and evidence: changing a unit code,
a year, an indicator or an evidence id in a URL or a POST body answers 404 and changes nothing.
Anonymous visitors are sent to the login page. Evidence files may be downloaded by whoever may see
the submission: its officers, the reviewers of its block that year, and admins.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Evidence, Indicator, Period, Submission
from tests import factories
from tests.assessments.conftest import (
    PDF,
    attach_pdf,
    autosave_url,
    complete_values,
    evidence_url,
    field,
    fill_in,
    form_url,
    page,
    submit_url,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

DASHBOARD_URL = reverse("assessments:dashboard")


def unchanged(submission: Submission) -> tuple:
    """What an outsider's request must leave as it was: status, version, answers, audit trail."""
    submission.refresh_from_db()
    return (
        submission.status,
        submission.version,
        list(submission.answers.values_list("indicator__code", "numerator", "denominator")),
        submission.audit_entries.count(),
    )


# --- Anonymous visitors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "page_name"),
    [
        ("get", "dashboard"),
        ("get", "form"),
        ("post", "form"),
        ("post", "autosave"),
        ("get", "submit"),
        ("post", "submit"),
        ("get", "evidence"),
    ],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page_and_changes_nothing(
    client, draft, indicators, officer, method, page_name
):
    evidence = attach_pdf(draft, indicators["I.1"], officer)
    before = unchanged(draft)
    url = {
        "dashboard": DASHBOARD_URL,
        "form": form_url(draft.unit),
        "autosave": autosave_url(draft.unit, indicators["I.1"]),
        "submit": submit_url(draft.unit),
        "evidence": evidence_url(evidence),
    }[page_name]
    data = {**complete_values(indicators), "version": draft.version} if method == "post" else {}

    response = getattr(client, method)(url, data)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={quote(url)}"
    assert unchanged(draft) == before


# --- Dashboard ------------------------------------------------------------------------------


def test_the_dashboard_lists_the_officers_own_unit_and_not_another_units(
    client, officer, draft, other_draft
):
    client.force_login(officer)

    response = client.get(DASHBOARD_URL)

    content = page(response)
    assert response.status_code == 200
    assert "Sở Nội vụ" in content
    assert f'href="{form_url(draft.unit)}"' in content
    assert "Xã Cổ Loa" not in content
    assert form_url(other_draft.unit) not in content


def test_the_dashboard_of_the_other_officer_lists_only_their_unit(
    client, other_officer, draft, other_draft
):
    client.force_login(other_officer)

    content = page(client.get(DASHBOARD_URL))

    assert "Xã Cổ Loa" in content
    assert "Sở Nội vụ" not in content


def test_the_dashboard_needs_no_more_queries_for_three_periods_than_for_one(
    client, officer, unit, block
):
    client.force_login(officer)

    def add_open_year(year: int) -> None:
        period = factories.make_period(year, state=Period.State.OPEN)
        factories.make_framework(period, [block], [("I", "I.1", Indicator.Kind.RATE, 5)])
        factories.make_participation(period, unit)
        factories.make_submission(unit, period)

    add_open_year(2014)
    client.get(DASHBOARD_URL)
    with CaptureQueriesContext(connection) as one_year:
        client.get(DASHBOARD_URL)
    add_open_year(2015)
    add_open_year(2016)

    with CaptureQueriesContext(connection) as three_years:
        content = page(client.get(DASHBOARD_URL))

    assert content.count("status-draft") == 3
    assert len(three_years) == len(one_year)


# --- The self-assessment form ---------------------------------------------------------------


def test_an_officer_opens_their_own_units_form(client, officer, draft):
    client.force_login(officer)

    response = client.get(form_url(draft.unit))

    assert response.status_code == 200
    assert "Sở Nội vụ" in page(response)


def test_changing_the_unit_code_in_the_form_url_answers_404(client, officer, draft, other_draft):
    client.force_login(officer)

    response = client.get(form_url(other_draft.unit))

    assert response.status_code == 404
    assert "Xã Cổ Loa" not in page(response)


def test_changing_the_year_in_the_form_url_to_one_the_unit_skipped_answers_404(
    client, officer, draft
):
    factories.make_period(2015, state=Period.State.OPEN)
    client.force_login(officer)

    assert client.get(form_url(draft.unit, 2015)).status_code == 404
    assert not Submission.objects.filter(period__year=2015).exists()


@pytest.mark.parametrize("persona", ["reviewer", "admin_user"])
def test_reviewers_and_admins_cannot_open_the_officers_form_to_enter_values(
    client, request, draft, persona
):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(form_url(draft.unit)).status_code == 404


def test_posting_values_to_another_units_form_answers_404_and_saves_nothing(
    client, officer, draft, other_draft, indicators
):
    before = unchanged(other_draft)
    client.force_login(officer)

    response = client.post(form_url(other_draft.unit), complete_values(indicators))

    assert response.status_code == 404
    assert unchanged(other_draft) == before


def test_posting_to_the_form_of_another_unit_without_a_draft_does_not_start_one(
    client, officer, draft, other_participation, indicators
):
    client.force_login(officer)

    response = client.post(form_url(other_participation.unit), complete_values(indicators))

    assert response.status_code == 404
    assert not Submission.objects.filter(unit=other_participation.unit).exists()


def test_removing_another_units_evidence_through_the_form_answers_404_and_keeps_it(
    client, officer, other_officer, draft, other_draft, indicators, media_root
):
    evidence = attach_pdf(other_draft, indicators["I.1"], other_officer)
    stored = media_root / evidence.file.name
    before = unchanged(other_draft)
    client.force_login(officer)

    response = client.post(
        form_url(draft.unit),
        {**complete_values(indicators), "remove_evidence": str(evidence.pk)},
    )

    assert response.status_code == 404
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    assert stored.read_bytes() == PDF
    assert unchanged(other_draft) == before
    # The request was refused as a whole: the officer's own values were not saved either.
    assert not draft.answers.exists()


# --- Autosave -------------------------------------------------------------------------------


def test_autosaving_into_another_units_submission_answers_404_and_saves_nothing(
    client, officer, draft, other_draft, indicators
):
    indicator = indicators["I.1"]
    client.force_login(officer)

    response = client.post(
        autosave_url(other_draft.unit, indicator),
        {field(indicator, "numerator"): "40", field(indicator, "denominator"): "50"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 404
    assert not other_draft.answers.exists()


def test_autosaving_an_indicator_that_does_not_apply_to_the_units_block_answers_404(
    client, officer, draft, indicators, other_block
):
    communes_only = Indicator.objects.create(
        framework=indicators["I.1"].framework,
        group=indicators["I.1"].group,
        code="I.9",
        name_vi="Chỉ tiêu của xã",
        kind=Indicator.Kind.COUNT,
        max_points=3,
    )
    communes_only.blocks.set([other_block])
    client.force_login(officer)

    response = client.post(
        autosave_url(draft.unit, communes_only),
        {field(communes_only, "count"): "5"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 404
    assert not draft.answers.exists()


def test_autosaving_an_indicator_of_another_years_framework_answers_404(
    client, officer, draft, block
):
    other_year = factories.make_period(2013)
    framework = factories.make_framework(other_year, [block], [("I", "I.1", "rate", 5)])
    old_indicator = framework.indicators.get()
    client.force_login(officer)

    response = client.post(
        autosave_url(draft.unit, old_indicator),
        {field(old_indicator, "numerator"): "1", field(old_indicator, "denominator"): "2"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 404
    assert not draft.answers.exists()


# --- Check and submit -----------------------------------------------------------------------


def test_changing_the_unit_code_in_the_submit_url_answers_404(client, officer, draft, other_draft):
    client.force_login(officer)

    assert client.get(submit_url(other_draft.unit)).status_code == 404


def test_submitting_another_units_complete_draft_answers_404_and_leaves_it_a_draft(
    client, officer, other_officer, draft, other_draft, indicators
):
    fill_in(other_draft, indicators, other_officer)
    before = unchanged(other_draft)
    client.force_login(officer)

    response = client.post(submit_url(other_draft.unit), {"version": other_draft.version})

    assert response.status_code == 404
    assert unchanged(other_draft) == before
    assert other_draft.status == Submission.Status.DRAFT


# --- Evidence downloads ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("reviewer", 200),
        ("admin_user", 200),
        ("other_officer", 404),
        ("other_reviewer", 404),
    ],
)
def test_evidence_is_downloaded_only_by_those_who_may_see_its_submission(
    client, request, officer, draft, indicators, persona, status
):
    evidence = attach_pdf(draft, indicators["I.1"], officer)
    client.force_login(request.getfixturevalue(persona))

    response = client.get(evidence_url(evidence))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
    else:
        assert PDF not in response.content


def test_a_reviewer_of_the_block_in_another_year_cannot_download_this_years_evidence(
    client, officer, unit, block, indicators, draft
):
    other_year = factories.make_period(2013)
    last_years_reviewer = factories.make_reviewer(other_year, block, "reviewer-2013")
    evidence = attach_pdf(draft, indicators["I.1"], officer)
    client.force_login(last_years_reviewer)

    assert client.get(evidence_url(evidence)).status_code == 404
