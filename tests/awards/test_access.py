"""Who sees what: admin pages are staff-only; verification is public and never shows an award of
an unpublished period."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from awards import selectors
from awards.models import Award, Category
from tests import factories


@pytest.fixture
def unpublished_award(db) -> Award:
    period = factories.make_period(2015)
    unit = factories.make_unit(name="Xã Bát Tràng")
    return Award.objects.create(
        period=period,
        unit=unit,
        category=Category.BANG_KHEN,
        status=Award.Status.CONFIRMED,
        register_number=900,
        decision_number="12/QĐ-UBND",
        decision_date=dt.date(2016, 7, 1),
    )


ADMIN_PAGES = [
    ("awards:review", [2015]),
    ("awards:report", [2015]),
]


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, unpublished_award, name, args):
    response = client.get(reverse(name, args=args))

    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
def test_an_officer_cannot_open_the_awards_admin_pages(
    client, officer, unpublished_award, name, args
):
    client.force_login(officer)

    response = client.get(reverse(name, args=args))

    assert response.status_code == 302 and "login" in response.url


def test_an_admin_sees_the_review_page(client, admin_user, unpublished_award):
    client.force_login(admin_user)

    response = client.get(reverse("awards:review", args=[2015]))

    assert response.status_code == 200
    assert "Xã Bát Tràng" in response.content.decode()


def test_an_officer_cannot_confirm_an_award(client, officer, unpublished_award):
    client.force_login(officer)
    unpublished_award.status = Award.Status.PROPOSED
    unpublished_award.save()

    client.post(reverse("awards:confirm", args=[2015, unpublished_award.pk]))

    unpublished_award.refresh_from_db()
    assert unpublished_award.status == Award.Status.PROPOSED


def test_an_unknown_code_gets_a_clear_not_found_page(client, db):
    response = client.get(reverse("awards:verify", args=["ABCD-EFGH-JKMN"]))

    assert response.status_code == 404
    assert "ABCD-EFGH-JKMN" in response.content.decode()
    assert "Set-Cookie" not in response.headers


def test_an_award_of_an_unpublished_period_is_not_verifiable(client, unpublished_award):
    response = client.get(reverse("awards:verify", args=[unpublished_award.verification_code]))

    assert response.status_code == 404
    assert "Bát Tràng" not in response.content.decode()
    assert selectors.awards_for_public(unpublished_award.period) == []
    assert selectors.awards_for_unit(unpublished_award.unit) == []


def test_the_verify_form_sends_the_typed_code_to_its_page(client, db):
    response = client.get(reverse("awards:verify_form"), {"code": " abcd-efgh-jkmn "})

    assert response.status_code == 302
    assert response.url == reverse("awards:verify", args=["ABCD-EFGH-JKMN"])


def test_verification_codes_are_random_and_unique(unpublished_award):
    other = Award.objects.create(
        period=unpublished_award.period,
        unit=factories.make_unit(),
        category=Category.TIEN_BO,
    )

    assert other.verification_code != unpublished_award.verification_code
    assert len(other.verification_code.replace("-", "")) == 12


def test_the_admin_refuses_an_unknown_sort_key_and_locks_rules_after_confirmation(
    client, admin_user, unpublished_award
):
    from awards import services

    client.force_login(admin_user)
    Award.objects.filter(pk=unpublished_award.pk).update(status=Award.Status.PROPOSED)
    rule = next(r for r in services.ensure_rules(unpublished_award.period) if r.position == 1)
    url = reverse("admin:awards_awardrule_change", args=[rule.pk])
    data = {
        "period": rule.period_id,
        "category": rule.category,
        "position": 1,
        "quota": 19,
        "ordering": '["-luck"]',
    }

    response = client.post(url, data)

    assert response.status_code == 200 and "-luck" in response.content.decode()
    rule.refresh_from_db()
    assert rule.ordering == ["-index", "name"]
    Award.objects.filter(pk=unpublished_award.pk).update(status=Award.Status.CONFIRMED)
    assert client.post(url, data | {"ordering": '["-index"]'}).status_code == 403
