"""Forms: the officer's self-assessment (whole page and autosave), the reviewer's corrections,
the admins' award forms. Numbers no field takes (huge, negative, NaN, text), a numerator above
its denominator, notes of 10,000 characters or with NUL, links that are not web addresses: each
refused with a message beside the field, nothing written. Generated values are refused, or
accepted only within the field's limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from assessments.forms import AnswerForm, CorrectionForm
from assessments.models import Indicator
from awards.forms import AddAwardForm, DecisionForm, ReasonForm, RuleForm
from tests.access import bodies
from tests.access.world import DRAFT_UNIT, OPEN_YEAR, PUBLISHED_YEAR, World
from tests.hostile import corpus
from tests.hostile.checks import describe, error_messages, refused, rolled_back, shows_an_error
from tests.hostile.conftest import hostile
from tests.hostile.tally import tried

# One indicator of each kind in the 2015 framework (all apply to communes such as Bát Tràng).
KINDS = {"rate": "I.1", "yes_no": "I.3", "scale": "I.4", "count": "II.6b"}
NUMBER_FIELDS = {"rate": ("numerator", "denominator"), "scale": ("points",), "count": ("count",)}


_INDICATORS: dict[int, dict[str, Indicator]] = {}


def indicators(world: World) -> dict[str, Indicator]:
    """Read once per loaded demo: thousands of examples use them."""
    if id(world) not in _INDICATORS:
        _INDICATORS[id(world)] = {
            kind: Indicator.objects.get(code=code, framework__period__year=OPEN_YEAR)
            for kind, code in KINDS.items()
        }
    return _INDICATORS[id(world)]


# Numbers as people and programs write them: signs, ASCII, Arabic-Indic and full-width digits,
# decimal points and commas, exponents, spaces around.
NUMBER_LIKE = r"\s*[+-]?[0-9٠-٩０-９]{1,12}([.,][0-9]{1,4})?([eE][+-]?[0-9]{1,4})?\s*"
hostile_text = st.one_of(
    st.sampled_from(corpus.NOT_NUMBERS + corpus.MAYBE_ZERO + [corpus.DECIMAL_COMMA]),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.text(max_size=40),
    st.from_regex(NUMBER_LIKE, fullmatch=True),
)


def _accepted_within_limits(kind: str, indicator: Indicator, cleaned: dict[str, Any]) -> None:
    """What a form accepted lies within the indicator's limits (an oracle apart from the form)."""
    if kind == "rate":
        numerator, denominator = cleaned.get("numerator"), cleaned.get("denominator")
        assert (numerator is None) == (denominator is None)
        if numerator is not None:
            assert 0 <= numerator <= denominator <= 10_000_000
    elif kind == "count":
        count = cleaned.get("count")
        assert count is None or 0 <= count <= 1_000_000
    elif kind == "scale":
        points = cleaned.get("points")
        if points is not None:
            assert Decimal(0) <= points <= indicator.max_points
            assert (points * 2) == (points * 2).to_integral_value()
            assert not points.is_signed() or points == 0
    note = cleaned.get("note", "")
    assert len(note) <= 2000 and "\x00" not in note


# --- the forms themselves -----------------------------------------------------------------------


@hostile(2000)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    first=hostile_text,
    second=hostile_text,
    note=st.one_of(st.text(max_size=50), st.sampled_from(["x" * 2001, "a\x00b", "\x00"])),
    yes=st.one_of(st.sampled_from(["yes", "no", "", "có", "true", "1"]), st.text(max_size=5)),
)
def test_the_answer_form_refuses_or_keeps_within_limits(world, db, kind, first, second, note, yes):
    indicator = indicators(world)[kind]
    fields = {"value_yes": yes, "numerator": first, "denominator": second}
    fields |= {"count": first, "points": first, "note": note}
    data = {f"a-{name}": value for name, value in fields.items()}
    form = AnswerForm(data, indicator=indicator, answer=None, editable=True, prefix="a")
    tried("forms: AnswerForm, generated values")

    if form.is_valid():
        _accepted_within_limits(kind, indicator, form.cleaned_data)
    else:
        assert all(
            str(message).strip() for messages in form.errors.values() for message in messages
        )


@hostile(800)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    first=hostile_text,
    second=hostile_text,
    reason=st.one_of(st.text(max_size=30), st.sampled_from(["", "x" * 2001, "\x00"])),
    comment=st.one_of(st.text(max_size=30), st.sampled_from(["x" * 2001, "\x00"])),
)
def test_the_correction_form_refuses_or_keeps_within_limits(
    world, db, kind, first, second, reason, comment
):
    indicator = indicators(world)[kind]
    fields = {"numerator": first, "denominator": second, "count": first, "points": first}
    fields |= {"reason": reason, "comment": comment, "value_yes": "yes"}
    form = CorrectionForm(
        {f"r-{name}": value for name, value in fields.items()},
        indicator=indicator,
        answer=None,
        prefix="r",
    )
    tried("forms: CorrectionForm, generated values")

    if form.is_valid():
        _accepted_within_limits(kind, indicator, {**form.cleaned_data, "note": ""})
        assert "\x00" not in form.cleaned_data["reason"] + form.cleaned_data["comment"]
        if CorrectionForm.value(form.cleaned_data) is not None:
            assert form.cleaned_data["reason"].strip()  # a changed value needs its reason
    else:
        assert form.errors


@hostile(800)
@given(
    quota=st.one_of(hostile_text, st.sampled_from(["5", "0", "500", "501"])),
    unit=st.one_of(st.text(max_size=90), st.sampled_from(["quan-hoan-kiem", "../x", "a b"])),
    category=st.one_of(st.text(max_size=20), st.sampled_from(["bang_khen", "tien_bo"])),
    reason=st.one_of(st.text(max_size=20), st.sampled_from(["", " ", "\x00", "x" * 10_000])),
    decision_date=st.one_of(
        st.text(max_size=12), st.sampled_from(["2015-02-30", "9999-12-31", "0001-01-01"])
    ),
)
def test_the_award_forms_refuse_or_keep_within_limits(
    world, db, quota, unit, category, reason, decision_date
):
    forms = {
        "rule": RuleForm({"quota": quota}),
        "add": AddAwardForm({"unit": unit, "category": category, "reason": reason}),
        "reason": ReasonForm({"reason": reason}),
        "decision": DecisionForm({"decision_number": reason[:50], "decision_date": decision_date}),
    }
    tried("forms: award forms (four forms each), generated values")
    for name, form in forms.items():
        if not form.is_valid():
            assert form.errors, name
            continue
        data = form.cleaned_data
        if name == "rule":
            assert 0 <= data["quota"] <= 500
        if name in ("add", "reason"):
            assert data["reason"].strip() and "\x00" not in data["reason"]
        if name == "add":
            assert data["category"] in ("bang_khen", "dich_vu_cong", "tien_bo")


# --- the officer's page ---------------------------------------------------------------------------


def _form_url() -> str:
    return reverse("assessments:submission", args=[DRAFT_UNIT, OPEN_YEAR])


NUMBERS_FOR_PAGES = list(corpus.NOT_NUMBERS)


@pytest.mark.parametrize("value", NUMBERS_FOR_PAGES, ids=describe)
def test_the_officer_page_refuses_a_number_in_every_field_and_saves_nothing(world, db, value):
    """The value goes into every number input of the page at once: every indicator refuses."""
    body = bodies.officer_form(world.draft_submission)
    hostile_fields = [name for name in body if name.endswith(("-numerator", "-count", "-points"))]
    for name in hostile_fields:
        body[name] = value
        if name.endswith("-numerator"):
            body[name.replace("-numerator", "-denominator")] = "10"
    client = world.client("draft_officer", raise_request_exception=False)

    with rolled_back() as writes:
        response = client.post(_form_url(), body)
    tried("forms: officer page (HTTP), numbers", len(hostile_fields))

    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert page.count('aria-invalid="true"') >= len(hostile_fields)
    assert shows_an_error(response)
    assert not writes, str(writes)


OFFICER_TEXTS = {
    "numerator above denominator": ("rate", {"numerator": "11", "denominator": "10"}),
    "numerator without denominator": ("rate", {"numerator": "1", "denominator": ""}),
    "denominator zero": ("rate", {"numerator": "0", "denominator": "0"}),
    "points off the half grid": ("scale", {"points": "1.25"}),
    "points above the maximum": ("scale", {"points": "4.5"}),
    "yes/no not a choice": ("yes_no", {"value_yes": "maybe"}),
    "note of 10,000 characters": ("yes_no", {"note": "ghi chú " * 1250}),
    "note with NUL": ("yes_no", {"note": "ghi\x00chú"}),
    "link javascript": ("yes_no", {"evidence_link": "javascript:alert(1)"}),
    "link data": ("yes_no", {"evidence_link": "data:text/html,<script>alert(1)</script>"}),
    "link with NUL": ("yes_no", {"evidence_link": "https://hanoi.gov.vn/\x00"}),
}


@pytest.mark.parametrize("case", sorted(OFFICER_TEXTS))
def test_the_officer_page_refuses_what_a_field_cannot_hold_and_saves_nothing(world, db, case):
    kind, values = OFFICER_TEXTS[case]
    indicator = indicators(world)[kind]
    body = bodies.officer_form(
        world.draft_submission,
        **{f"i{indicator.pk}-{name}": value for name, value in values.items()},
    )
    client = world.client("draft_officer", raise_request_exception=False)

    with rolled_back() as writes:
        response = client.post(_form_url(), body)
        autosave = world.client("draft_officer", raise_request_exception=False).post(
            reverse("assessments:autosave", args=[DRAFT_UNIT, OPEN_YEAR, indicator.pk]),
            bodies.autosave(
                world.draft_submission,
                indicator.pk,
                **{f"i{indicator.pk}-{name}": value for name, value in values.items()},
            ),
        )
    tried("forms: officer page and autosave (HTTP), texts", 2)

    assert response.status_code == 200 and shows_an_error(response)
    assert 'aria-invalid="true"' in response.content.decode()
    if "link" not in case:  # autosave saves values; links are added with the page
        assert autosave.status_code == 422 and shows_an_error(autosave), autosave.status_code
    assert not writes, str(writes)


@hostile(150)
@given(kind=st.sampled_from(["rate", "scale", "count"]), value=hostile_text, other=hostile_text)
def test_autosave_answers_422_with_the_reason_or_saves_within_limits(world, db, kind, value, other):
    indicator = indicators(world)[kind]
    names = NUMBER_FIELDS[kind]
    changes = {f"i{indicator.pk}-{names[0]}": value}
    if len(names) == 2:
        changes[f"i{indicator.pk}-{names[1]}"] = other
    body = bodies.autosave(world.draft_submission, indicator.pk, **changes)
    url = reverse("assessments:autosave", args=[DRAFT_UNIT, OPEN_YEAR, indicator.pk])
    client = world.client("draft_officer", raise_request_exception=False)

    with rolled_back() as writes:
        response = client.post(url, body)
        saved = indicator.answers.filter(submission_id=world.draft_submission).first()
    tried("forms: autosave (HTTP), generated values")

    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert shows_an_error(response)
        assert not writes, str(writes)
    elif saved is not None:
        stored = {name: getattr(saved, name) for name in names}
        _accepted_within_limits(kind, indicator, stored)


# --- the reviewer's page --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*NUMBERS_FOR_PAGES[::2], "", "x" * 2001], ids=describe)
def test_the_reviewer_page_refuses_a_correction_it_cannot_hold_and_saves_nothing(world, db, value):
    body = bodies.corrections(world.review_submission)
    for name in list(body):
        if name.endswith("-reason"):
            prefix = name.removesuffix("-reason")
            body |= {f"{prefix}-numerator": value, f"{prefix}-denominator": "10"}
            body |= {f"{prefix}-count": value, f"{prefix}-points": value}
            body |= {
                f"{prefix}-reason": "x" * 2001 if not value else "Sửa",
                f"{prefix}-comment": "\x00",
            }
    client = world.client("reviewer", raise_request_exception=False)

    with rolled_back() as writes:
        response = client.post(
            reverse("assessments:review_save", args=[world.review_submission]), body
        )
    tried("forms: reviewer corrections (HTTP)")

    assert not refused(response, 422), refused(response, 422)
    assert not writes, str(writes)


# --- the admins' award pages ----------------------------------------------------------------------


def _award_posts(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    year = PUBLISHED_YEAR
    posts = []
    for quota in ["-1", "1" + "0" * 100, "abc", "1e3", "\x00", "501", ""]:
        posts.append(
            ("rule", reverse("awards:rule", args=[year, world.award_rule]), {"quota": quota})
        )
    for unit, category, reason in [
        ("../../etc", "tien_bo", "x"),
        ("quan-hoan-kiem", "<script>", "x"),
        ("quan-hoan-kiem", "tien_bo", ""),
        ("quan-hoan-kiem", "tien_bo", "\x00"),
        ("' OR 1=1 --", "bang_khen", "x"),
        ("khong-co-don-vi-nay", "bang_khen", "Bổ sung"),
        ("x" * 10_000, "bang_khen", "x"),
    ]:
        posts.append(
            (
                "add",
                reverse("awards:add", args=[year]),
                {"unit": unit, "category": category, "reason": reason},
            )
        )
    for reason in ["", "   ", "\x00"]:
        posts.append(
            ("reject", reverse("awards:reject", args=[year, world.award]), {"reason": reason})
        )
        posts.append(
            ("revoke", reverse("awards:revoke", args=[world.certificate]), {"reason": reason})
        )
    for date in ["2015-02-30", "không phải ngày", "99999-01-01", "\x00"]:
        posts.append(
            (
                "decision",
                reverse("awards:decision", args=[year]),
                {"decision_number": "1", "decision_date": date},
            )
        )
    return posts


def test_the_award_pages_refuse_what_they_cannot_take_with_a_message_and_save_nothing(world, db):
    client = world.client("admin", raise_request_exception=False)
    failures = []
    for what, url, body in _award_posts(world):
        with rolled_back() as writes:
            response = client.post(url, body)
        tried("forms: award pages (HTTP)")
        why = refused(response, 302)
        if why or writes:
            failures.append(f"{what} {describe(body)}: {why} {writes}")
    assert not failures, "\n".join(failures)


def test_an_emblem_that_is_not_an_image_is_refused(world, db):
    from tests.hostile.checks import upload

    client = world.client("admin", raise_request_exception=False)
    url = reverse("awards:decision", args=[PUBLISHED_YEAR])
    failures = []
    for name, data in [
        ("quoc-huy.png", corpus.ELF),
        ("quoc-huy.png", corpus.SVG),
        ("quoc-huy.svg", corpus.SVG),
        ("quoc-huy.png", corpus.HTML),
        ("quoc-huy.jpg", corpus.PDF),
    ]:
        with rolled_back() as writes:
            response = client.post(url, {"decision_number": "1", "emblem": upload(name, data)})
        tried("forms: award decision emblem (HTTP)")
        if refused(response, 302) or writes or not error_messages(response):
            failures.append(f"{name}: {refused(response, 302)} {writes}")
    assert not failures, "\n".join(failures)
