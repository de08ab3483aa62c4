"""The self-assessment form and its autosave: what is shown, what is saved, what is refused.

Bad input is refused with a message beside its field and changes nothing in the database, while
every other valid value of the same POST is saved. Messages are expected as the Vietnamese
interface renders them, taken from the catalogue with their values filled in; where the catalogue
does not translate a message yet, that is its English text.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import translation
from django.utils.datastructures import MultiValueDict

from assessments.models import Answer, AuditEntry, Evidence, Indicator, Submission
from assessments.services import submissions as workflow
from tests import factories
from tests.assessments.conftest import (
    ELF_PROGRAM,
    PDF,
    article,
    attach_pdf,
    autosave_url,
    complete_values,
    errors_beside,
    field,
    form_url,
    in_vietnamese,
    input_tag,
    is_disabled,
    messages_shown,
    multipart,
    page,
    pdf_upload,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing", "media_root")

MB = 1024 * 1024
HTMX = {"HX-Request": "true"}


@pytest.fixture
def logged_in(client, officer):
    client.force_login(officer)
    return client


def saved_values(submission: Submission) -> dict[str, tuple]:
    return {
        answer.indicator.code: (
            answer.value_yes,
            answer.numerator,
            answer.denominator,
            answer.count,
            answer.points,
        )
        for answer in submission.answers.select_related("indicator")
    }


def points_shown(content: str, code: str) -> str:
    box = article(content, code)
    start = box.index('class="points"')
    return box[box.index("<strong>", start) + len("<strong>") : box.index("</strong>", start)]


def saved_at_shown(content: str) -> bool:
    """Whether the autosave status says “Saved at hh:mm:ss”, in the interface's words."""
    saved_at = re.escape(in_vietnamese("Saved at %(time)s")).replace(
        re.escape("%(time)s"), r"\d\d:\d\d:\d\d"
    )
    return re.search(f'<span class="saved">{saved_at}</span>', html.unescape(content)) is not None


# --- What the form shows --------------------------------------------------------------------


def test_the_form_shows_every_indicator_of_the_units_block_with_the_inputs_of_its_kind(
    logged_in, draft, indicators
):
    content = page(logged_in.get(form_url(draft.unit)))

    for code in ("I.1", "I.2", "II.1", "II.2"):
        assert f"Chỉ tiêu {code}" in article(content, code)
    assert 'type="number"' in input_tag(content, indicators["I.1"], "numerator")
    assert 'type="number"' in input_tag(content, indicators["I.1"], "denominator")
    assert 'type="radio"' in input_tag(content, indicators["I.2"], "value_yes")
    assert 'type="number"' in input_tag(content, indicators["II.1"], "count")
    assert 'step="0.5"' in input_tag(content, indicators["II.2"], "points")
    assert 'type="file"' in input_tag(content, indicators["II.2"], "evidence_file")


def test_the_points_preview_shows_a_rate_of_40_out_of_50_as_4_of_5_points(
    logged_in, draft, indicators
):
    factories.make_answer(draft, indicators["I.1"], numerator=40, denominator=50)

    content = page(logged_in.get(form_url(draft.unit)))

    assert points_shown(content, "I.1") == "4,00"
    assert "/ 5" in article(content, "I.1")


def test_the_points_preview_is_zero_until_required_evidence_is_attached(
    logged_in, draft, indicators
):
    factories.make_answer(draft, indicators["I.1"], evidence=False, numerator=40, denominator=50)

    content = page(logged_in.get(form_url(draft.unit)))

    assert points_shown(content, "I.1") == "0,00"


def test_the_points_preview_of_a_count_is_relative_to_the_blocks_best_so_far(
    logged_in, draft, indicators, open_period, block
):
    same_block = factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính")
    factories.make_participation(open_period, same_block)
    rival = factories.make_submission(same_block, open_period)
    factories.make_answer(rival, indicators["II.1"], count=10)
    factories.make_answer(draft, indicators["II.1"], count=5)

    content = page(logged_in.get(form_url(draft.unit)))

    # 3 points × 5 / 10
    assert points_shown(content, "II.1") == "1,50"
    assert in_vietnamese(
        "relative to the block's best so far (%(best)s)", best=10
    ) in html.unescape(article(content, "II.1"))


def test_the_points_preview_of_awarded_points_shows_them_with_a_decimal_comma(
    logged_in, draft, indicators
):
    factories.make_answer(draft, indicators["II.2"], points=Decimal("3.5"))

    assert points_shown(page(logged_in.get(form_url(draft.unit))), "II.2") == "3,50"


# --- Saving ---------------------------------------------------------------------------------


def test_saving_valid_values_stores_them_and_says_so(logged_in, draft, indicators):
    response = logged_in.post(form_url(draft.unit), complete_values(indicators), follow=True)

    assert saved_values(draft) == {
        "I.1": (None, 40, 50, None, None),
        "I.2": (True, None, None, None, None),
        "II.1": (None, None, None, 7, None),
        "II.2": (None, None, None, None, Decimal("3.5")),
    }
    assert messages_shown(page(response)) == [in_vietnamese("Saved.")]
    assert 'value="40"' in input_tag(page(response), indicators["I.1"], "numerator")


AT_LEAST = "Ensure this value is greater than or equal to %(limit_value)s."
AT_MOST = "Ensure this value is less than or equal to %(limit_value)s."


def more_than_denominator(value: int) -> str:
    return in_vietnamese(
        "Cannot be more than the %(denominator)s (%(value)s).",
        denominator=in_vietnamese("Denominator").lower(),
        value=value,
    )


@pytest.mark.parametrize(
    ("code", "values", "input_name", "message"),
    [
        pytest.param(
            "I.1",
            {"numerator": "60", "denominator": "50"},
            "numerator",
            lambda: more_than_denominator(50),
            id="numerator-above-denominator",
        ),
        pytest.param(
            "I.1",
            {"numerator": "-1", "denominator": "50"},
            "numerator",
            lambda: in_vietnamese(AT_LEAST, limit_value=0),
            id="negative-numerator",
        ),
        pytest.param(
            "I.1",
            {"numerator": "0", "denominator": "0"},
            "denominator",
            lambda: in_vietnamese(AT_LEAST, limit_value=1),
            id="zero-denominator",
        ),
        pytest.param(
            "II.1",
            {"count": "-3"},
            "count",
            lambda: in_vietnamese(AT_LEAST, limit_value=0),
            id="negative-count",
        ),
        pytest.param(
            "II.1",
            {"count": "mười"},
            "count",
            lambda: in_vietnamese("Enter a whole number."),
            id="count-not-a-number",
        ),
        pytest.param(
            "II.1",
            {"count": "2.5"},
            "count",
            lambda: in_vietnamese("Enter a whole number."),
            id="count-not-whole",
        ),
        pytest.param(
            "II.2",
            {"points": "abc"},
            "points",
            lambda: in_vietnamese("Enter a number."),
            id="points-not-a-number",
        ),
        pytest.param(
            "II.2",
            {"points": "4.5"},
            "points",
            lambda: in_vietnamese(AT_MOST, limit_value="4"),
            id="points-above-the-maximum",
        ),
        pytest.param(
            "II.2",
            {"points": "1.3"},
            "points",
            lambda: "Điểm phải theo bước 0,5 (0; 0,5; 1; 1,5; …).",
            id="points-off-the-half-step",
        ),
        pytest.param(
            "II.2",
            {"points": "-0.5"},
            "points",
            lambda: in_vietnamese(AT_LEAST, limit_value=0),
            id="negative-points",
        ),
    ],
)
def test_a_bad_value_is_refused_beside_its_field_and_kept_in_the_form(
    logged_in, draft, indicators, code, values, input_name, message
):
    indicator = indicators[code]
    posted = {field(indicator, name): value for name, value in values.items()}

    response = logged_in.post(form_url(draft.unit), posted)

    content = page(response)
    assert response.status_code == 200
    assert errors_beside(content, indicator, input_name) == [message()]
    assert f'value="{values[input_name]}"' in input_tag(content, indicator, input_name)
    assert not draft.answers.exists()
    assert not draft.audit_entries.filter(action=AuditEntry.Action.ANSWER_CHANGED).exists()


def test_one_bad_value_does_not_stop_the_other_values_of_the_same_post_from_being_saved(
    logged_in, draft, indicators
):
    posted = complete_values(indicators)
    posted[field(indicators["I.1"], "numerator")] = "60"

    response = logged_in.post(form_url(draft.unit), posted)

    content = page(response)
    assert saved_values(draft) == {
        "I.2": (True, None, None, None, None),
        "II.1": (None, None, None, 7, None),
        "II.2": (None, None, None, None, Decimal("3.5")),
    }
    assert errors_beside(content, indicators["I.1"], "numerator") == [more_than_denominator(50)]
    assert 'value="60"' in input_tag(content, indicators["I.1"], "numerator")
    assert 'value="7"' in input_tag(content, indicators["II.1"], "count")
    assert errors_beside(content, indicators["II.1"], "count") == []
    assert messages_shown(content) == [
        in_vietnamese("%(count)d indicators were not saved; see the messages beside them.", count=1)
    ]


def test_a_rate_with_only_its_numerator_is_refused_beside_the_denominator(
    logged_in, draft, indicators
):
    posted = complete_values(indicators)
    posted[field(indicators["I.1"], "denominator")] = ""

    response = logged_in.post(form_url(draft.unit), posted)

    assert response.status_code == 200
    assert errors_beside(page(response), indicators["I.1"], "denominator")
    assert set(saved_values(draft)) == {"I.2", "II.1", "II.2"}


# --- Evidence that is refused ---------------------------------------------------------------


def evidence_stored(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def test_a_program_renamed_to_pdf_is_refused_beside_the_file_input(
    logged_in, draft, indicators, media_root
):
    indicator = indicators["I.1"]
    upload = pdf_upload("bao-cao.pdf", ELF_PROGRAM)

    response = logged_in.post(form_url(draft.unit), {field(indicator, "evidence_file"): upload})

    assert response.status_code == 200
    assert errors_beside(page(response), indicator, "evidence_file") == [
        in_vietnamese(
            "“%(name)s” is a program, not a document; it cannot be uploaded as evidence.",
            name="bao-cao.pdf",
        )
    ]
    assert not Evidence.objects.exists()
    assert evidence_stored(media_root) == []


def test_a_file_over_the_size_limit_is_refused_beside_the_file_input(
    logged_in, draft, indicators, media_root, settings
):
    settings.EVIDENCE_MAX_BYTES = 1 * MB
    indicator = indicators["I.1"]
    upload = pdf_upload("ho-so-lon.pdf", PDF.ljust(MB + 1, b" "))

    response = logged_in.post(form_url(draft.unit), {field(indicator, "evidence_file"): upload})

    assert errors_beside(page(response), indicator, "evidence_file") == [
        in_vietnamese(
            "“%(name)s” is larger than %(limit)s.",
            name="ho-so-lon.pdf",
            limit=in_vietnamese("%(size)s MB", size=1),
        )
    ]
    assert not Evidence.objects.exists()
    assert evidence_stored(media_root) == []


def test_a_file_name_hiding_an_exe_behind_a_nul_byte_is_refused_beside_the_file_input(
    logged_in, draft, indicators, media_root
):
    indicator = indicators["I.1"]
    body, content_type = multipart(
        {}, {field(indicator, "evidence_file"): ("bao-cao.pdf\x00.exe", PDF)}
    )

    response = logged_in.post(form_url(draft.unit), body, content_type=content_type)

    # The parser drops the NUL byte, which leaves the real extension in sight.
    assert errors_beside(page(response), indicator, "evidence_file") == [
        in_vietnamese(
            "“%(name)s” is not an accepted type of file; upload a %(allowed)s file.",
            name="bao-cao.pdf.exe",
            allowed="PDF, PNG, JPG, JPEG, WEBP, DOCX, XLSX",
        )
    ]
    assert not Evidence.objects.exists()
    assert evidence_stored(media_root) == []


def test_a_path_traversal_file_name_sent_by_a_browser_writes_nothing_outside_the_evidence_folder(
    logged_in, draft, indicators, media_root, tmp_path
):
    indicator = indicators["I.1"]
    body, content_type = multipart(
        {}, {field(indicator, "evidence_file"): ("../../../etc/bao-cao.pdf", PDF)}
    )

    logged_in.post(form_url(draft.unit), body, content_type=content_type)

    # Django's upload parser keeps only the last part of the name; the file is stored under a
    # random name inside the evidence folder and nowhere else.
    evidence = Evidence.objects.get()
    assert evidence.original_name == "bao-cao.pdf"
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert written == [media_root / evidence.file.name]
    assert written[0].parent == media_root / "evidence"
    assert "bao-cao" not in written[0].name


@pytest.mark.parametrize(
    ("hostile_name", "message"),
    [
        (
            "../../bao-cao.pdf",
            lambda: in_vietnamese(
                "“%(name)s” points outside its folder (“..”); upload the file itself.",
                name="../../bao-cao.pdf",
            ),
        ),
        (
            "bao-cao.pdf\x00.exe",
            lambda: in_vietnamese(
                "“%(name)s” contains control or invisible characters; rename the file.",
                name="bao-cao.pdf\ufffd.exe",
            ),
        ),
    ],
    ids=["path-traversal", "nul-byte"],
)
def test_a_hostile_file_name_that_gets_past_the_upload_parser_is_refused_beside_the_file_input(
    rf, officer, draft, indicators, media_root, hostile_name, message
):
    """Django's parser strips such names; an upload handler that did not must still be safe."""
    indicator = indicators["I.1"]
    url = form_url(draft.unit)
    request = rf.post(url, {})
    request.POST  # noqa: B018 - parse the body before replacing its files
    upload = pdf_upload()
    upload._name = hostile_name
    request._files = MultiValueDict({field(indicator, "evidence_file"): [upload]})
    request.user = officer
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    view = resolve(url)

    with translation.override("vi"):
        response = view.func(request, *view.args, **view.kwargs)

    assert errors_beside(response.content.decode(), indicator, "evidence_file") == [message()]
    assert not Evidence.objects.exists()
    assert evidence_stored(media_root) == []


def test_a_link_that_is_not_a_url_is_refused_beside_the_link_input(logged_in, draft, indicators):
    indicator = indicators["I.1"]

    response = logged_in.post(
        form_url(draft.unit), {field(indicator, "evidence_link"): "quyet dinh so 12"}
    )

    assert errors_beside(page(response), indicator, "evidence_link") == [
        in_vietnamese("Enter a valid URL.")
    ]
    assert not Evidence.objects.exists()


# --- Submitted and approved submissions are read-only ---------------------------------------


@pytest.fixture(params=[Submission.Status.SUBMITTED, Submission.Status.APPROVED])
def locked(request, submitted, reviewer):
    """The officer's submission, submitted, and in the second run approved as well."""
    if request.param == Submission.Status.APPROVED:
        return workflow.approve_submission(
            submission=submitted, actor=reviewer, expected_version=submitted.version
        )
    return submitted


def test_a_submitted_or_approved_form_is_read_only(logged_in, locked, indicators):
    content = page(logged_in.get(form_url(locked.unit)))

    assert is_disabled(input_tag(content, indicators["I.1"], "numerator"))
    assert is_disabled(input_tag(content, indicators["II.1"], "count"))
    assert 'name="then"' not in content
    assert 'type="file"' not in content
    assert 'name="remove_evidence"' not in content
    assert "hx-post" not in content


def test_posting_changes_to_a_submitted_or_approved_submission_changes_nothing(
    logged_in, locked, indicators, media_root
):
    before = saved_values(locked)
    audit_entries = locked.audit_entries.count()
    posted = {
        field(indicators["I.1"], "numerator"): "10",
        field(indicators["I.1"], "denominator"): "50",
        field(indicators["II.1"], "count"): "99",
        field(indicators["I.2"], "evidence_file"): pdf_upload(),
    }

    logged_in.post(form_url(locked.unit), posted)

    assert saved_values(locked) == before
    assert locked.audit_entries.count() == audit_entries
    assert not Evidence.objects.exclude(file="").exists()
    assert evidence_stored(media_root) == []


def test_posting_changes_to_a_submitted_submission_says_it_cannot_be_changed_not_saved(
    logged_in, submitted, indicators
):
    """A page left open in another tab while the unit submitted: the officer's edits are lost."""
    posted = {field(indicators["II.1"], "count"): "99"}

    response = logged_in.post(form_url(submitted.unit), posted, follow=True)

    assert in_vietnamese("Saved.") not in messages_shown(page(response))
    assert response.status_code == 409


# --- Autosave -------------------------------------------------------------------------------


def test_autosave_saves_a_valid_value_and_shows_when(logged_in, officer, draft, indicators):
    indicator = indicators["I.1"]
    attach_pdf(draft, indicator, officer)

    response = logged_in.post(
        autosave_url(draft.unit, indicator),
        {field(indicator, "numerator"): "45", field(indicator, "denominator"): "50"},
        headers=HTMX,
    )

    content = page(response)
    assert response.status_code == 200
    assert saved_at_shown(content)
    assert "<strong>4,50</strong>" in content
    assert saved_values(draft)["I.1"] == (None, 45, 50, None, None)
    change = draft.audit_entries.get(action=AuditEntry.Action.ANSWER_CHANGED)
    assert (change.before["numerator"], change.after["numerator"]) == (None, 45)


def test_autosave_refuses_an_invalid_value_with_422_and_its_message(logged_in, draft, indicators):
    indicator = indicators["I.1"]
    factories.make_answer(draft, indicator, numerator=40, denominator=50)

    response = logged_in.post(
        autosave_url(draft.unit, indicator),
        {field(indicator, "numerator"): "55", field(indicator, "denominator"): "50"},
        headers=HTMX,
    )

    content = page(response)
    assert response.status_code == 422
    assert f'<span class="error" role="alert">{more_than_denominator(50)}</span>' in html.unescape(
        content
    )
    assert not saved_at_shown(content)
    assert saved_values(draft)["I.1"] == (None, 40, 50, None, None)


def test_autosave_of_a_rate_whose_denominator_is_not_typed_yet_answers_422(
    logged_in, draft, indicators
):
    indicator = indicators["I.1"]

    response = logged_in.post(
        autosave_url(draft.unit, indicator),
        {field(indicator, "numerator"): "4", field(indicator, "denominator"): ""},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert not draft.answers.exists()


def test_autosave_answers_409_and_saves_nothing_once_the_submission_is_locked(
    logged_in, locked, indicators
):
    indicator = indicators["II.1"]
    before = saved_values(locked)

    response = logged_in.post(
        autosave_url(locked.unit, indicator), {field(indicator, "count"): "99"}, headers=HTMX
    )

    assert response.status_code == 409
    assert not saved_at_shown(page(response))
    assert saved_values(locked) == before


# --- Query count ----------------------------------------------------------------------------


def test_the_form_needs_as_many_queries_with_20_answers_as_with_2(
    client, officer, open_period, block, unit, django_assert_num_queries
):
    kinds = [Indicator.Kind.RATE, Indicator.Kind.YES_NO, Indicator.Kind.COUNT, Indicator.Kind.SCALE]
    framework = factories.make_framework(
        open_period,
        [block],
        [("I" if n <= 10 else "II", f"X.{n}", kinds[n % 4], 4) for n in range(1, 21)],
    )
    factories.make_participation(open_period, unit)
    submission = factories.make_submission(unit, open_period)
    values = {
        Indicator.Kind.RATE: {"numerator": 1, "denominator": 2},
        Indicator.Kind.YES_NO: {"value_yes": True},
        Indicator.Kind.COUNT: {"count": 3},
        Indicator.Kind.SCALE: {"points": Decimal("2.5")},
    }
    indicators = list(framework.indicators.order_by("order"))

    def answer(some: list[Indicator]) -> None:
        for indicator in some:
            factories.make_answer(submission, indicator, **values[indicator.kind])
            attach_pdf(submission, indicator, officer)

    answer(indicators[:2])
    client.force_login(officer)
    client.get(form_url(unit))  # warm up what is cached per process
    with CaptureQueriesContext(connection) as two_answered:
        assert client.get(form_url(unit)).status_code == 200
    answer(indicators[2:])

    with django_assert_num_queries(len(two_answered)):
        response = client.get(form_url(unit))

    assert page(response).count("/evidence/") == 20
    assert Answer.objects.filter(submission=submission).count() == 20
