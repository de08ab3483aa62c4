"""Publishing a period: a frozen, numbered version; corrections are new versions with a note."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Period
from rankings.models import Publication, PublishedResult, Result
from rankings.services import PublicationError, publish_period, score_period
from tests import factories
from tests.rankings.conftest import make_year


def published_values(publication: Publication) -> list[dict]:
    return list(
        PublishedResult.objects.filter(publication=publication).order_by("unit__code").values()
    )


def correct_dong_da(published) -> None:
    """A reviewer finds that Đống Đa had no yearly plan in 2014 (IV.1: 10 points fewer)."""
    Answer.objects.filter(
        submission__period__year=2014, submission__unit__code="quan-dong-da", indicator__code="IV.1"
    ).update(reviewer_value_yes=False, reviewer_reason="Chưa ban hành kế hoạch")
    score_period(period=published.periods[2014])


def test_publishing_copies_every_result_into_version_1_and_marks_the_period_published(published):
    publication = published.publication(2014)
    period = Period.objects.get(year=2014)

    assert (publication.version, publication.is_current, publication.note) == (1, True, "")
    assert publication.published_by == published.admin
    assert period.state == Period.State.PUBLISHED
    assert period.published_at == publication.published_at
    working = {r.unit_id: r for r in Result.objects.filter(period=period)}
    copies = {r.unit_id: r for r in publication.results.all()}
    assert working.keys() == copies.keys() and len(copies) == 6
    for unit_id, result in working.items():
        copy = copies[unit_id]
        for name in ("block_id", "total", "index", "grade", "rank", "rank_change", "explanation"):
            assert getattr(copy, name) == getattr(result, name), name
    assert copies[published.units["quan-tay-ho"].pk].rank is None


def test_the_methodology_of_the_framework_is_frozen_with_the_publication(published):
    methodology = published.publication(2014).methodology

    assert [i["code"] for i in methodology["indicators"]] == ["I.1", "II.4", "III.1", "IV.1"]
    assert {b["code"]: b["maximum"] for b in methodology["blocks"]} == {
        "quan": "100.00",
        "xa": "100.00",
    }
    assert methodology["thresholds"] == {"tot": "80.00", "kha": "65.00", "trung_binh": "50.00"}


@pytest.mark.parametrize("state", [Period.State.DRAFT, Period.State.OPEN, Period.State.REVIEW])
def test_a_period_that_is_not_scored_cannot_be_published(db, admin_user, state):
    period = factories.make_period(2016, state=state)

    with pytest.raises(PublicationError, match="2016"):
        publish_period(period=period, actor=admin_user)

    assert not Publication.objects.exists()


def test_publishing_again_without_a_change_is_refused(published):
    with pytest.raises(PublicationError, match="1"):
        publish_period(period=published.periods[2014], actor=published.admin, note="Lần nữa")

    assert Publication.objects.filter(period__year=2014).count() == 1


def test_rescoring_a_published_period_changes_the_working_results_not_the_published_ones(
    published,
):
    before = published_values(published.publication(2014))

    correct_dong_da(published)

    dong_da = Result.objects.get(period__year=2014, unit__code="quan-dong-da")
    assert (dong_da.total, dong_da.grade) == (Decimal("60.00"), "trung_binh")
    assert published_values(published.publication(2014)) == before
    assert Period.objects.get(year=2014).state == Period.State.PUBLISHED


def test_a_correction_needs_a_public_note(published):
    correct_dong_da(published)

    with pytest.raises(PublicationError, match=r"note|ghi chú"):
        publish_period(period=published.periods[2014], actor=published.admin, note="  ")

    assert published.publication(2014).version == 1


def test_a_correction_becomes_version_2_and_version_1_stays_as_it_was(published):
    version_1 = published.publication(2014)
    frozen = published_values(version_1)
    correct_dong_da(published)

    version_2 = publish_period(
        period=published.periods[2014],
        actor=published.admin,
        note="Sửa điểm chỉ tiêu IV.1 của Quận Đống Đa theo kết quả phúc tra.",
    )

    version_1.refresh_from_db()
    assert (version_2.version, version_2.is_current) == (2, True)
    assert version_1.is_current is False
    assert published_values(version_1) == frozen
    dong_da = version_2.results.get(unit__code="quan-dong-da")
    assert (dong_da.total, dong_da.grade) == (Decimal("60.00"), "trung_binh")
    # The first publication date of the period stays the date it was first announced.
    assert Period.objects.get(year=2014).published_at == version_1.published_at


def test_the_database_allows_one_current_version_per_period(published):
    publication = published.publication(2014)

    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(
            period=publication.period,
            version=2,
            published_at=timezone.now(),
            note="x",
            is_current=True,
        )


def test_the_database_refuses_a_later_version_without_a_note(published):
    publication = published.publication(2014)
    Publication.objects.filter(pk=publication.pk).update(is_current=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        Publication.objects.create(
            period=publication.period, version=2, published_at=timezone.now(), note=""
        )


def test_a_period_published_before_publications_existed_gets_its_first_version(db, admin_user):
    blocks = {"b": factories.make_block("b")}
    units = {}
    from tests.rankings.conftest import UNITS

    for code, (name, *_rest) in UNITS.items():
        units[code] = factories.make_unit(blocks["b"], code=code, name=name)
    period, _indicators = make_year(2014, blocks, units, 2)
    score_period(period=period)
    Period.objects.filter(pk=period.pk).update(state=Period.State.PUBLISHED)

    publication = publish_period(period=period, actor=admin_user)

    assert publication.version == 1 and publication.results.count() == 6


class TestConfirmationPage:
    def url(self, year: int = 2014) -> str:
        return reverse("rankings:publish", args=[year])

    def test_admin_sees_the_grade_table_of_the_working_results_before_publishing(
        self, db, admin_user, client
    ):
        blocks = {"b": factories.make_block("b", name_vi="Khối thử")}
        from tests.rankings.conftest import UNITS

        units = {
            code: factories.make_unit(blocks["b"], code=code, name=name)
            for code, (name, *_rest) in UNITS.items()
        }
        period, _ = make_year(2014, blocks, units, 2)
        score_period(period=period)
        client.force_login(admin_user)

        response = client.get(self.url())

        assert response.status_code == 200
        assert response.context["overall"].total == 6
        assert response.context["can_publish"] is True
        assert response.context["current"] is None
        assert "Khối thử" in response.content.decode()

        response = client.post(self.url(), {"note": ""}, follow=True)

        assert response.status_code == 200
        assert Publication.objects.get(period=period).version == 1

    def test_after_a_correction_the_page_lists_the_differences_and_publishes_with_a_note(
        self, published, client
    ):
        correct_dong_da(published)
        client.force_login(published.admin)

        response = client.get(self.url())

        changes = response.context["changes"]
        assert [c["unit"].code for c in changes] == ["quan-dong-da"]
        assert "70" in changes[0]["before"] and "60" in changes[0]["after"]

        response = client.post(self.url(), {"note": ""}, follow=True)
        assert published.publication(2014).version == 1
        assert list(response.context["messages"])  # the refusal is shown

        client.post(self.url(), {"note": "Sửa IV.1 của Quận Đống Đa."})
        assert published.publication(2014).version == 2

    def test_with_nothing_changed_there_is_no_publish_button(self, published, client):
        client.force_login(published.admin)

        response = client.get(self.url())

        assert response.context["can_publish"] is False
        assert 'name="note"' not in response.content.decode()

    def test_the_scoring_page_links_to_the_confirmation_page(self, published, client):
        client.force_login(published.admin)

        response = client.get(reverse("rankings:scoring", args=[2014]))

        assert self.url() in response.content.decode()

    def test_anonymous_users_and_officers_are_sent_to_the_login(self, published, officer, client):
        for user in (None, officer):
            if user:
                client.force_login(user)
            for response in (client.get(self.url()), client.post(self.url(), {"note": "x"})):
                assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert Publication.objects.filter(period__year=2014).count() == 1


def test_publications_and_published_results_are_read_only_in_the_admin(published):
    request = RequestFactory().get("/admin/")
    request.user = published.admin

    for model in (Publication, PublishedResult):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
