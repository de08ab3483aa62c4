"""The admin site: every registered model's pages load, only for staff, in Vietnamese by default."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Answer,
    Block,
    Evidence,
    Indicator,
    OfficerMembership,
    Period,
    ReviewerAssignment,
    Submission,
    Unit,
)
from rankings.services import score_period
from tests import factories

# Letters that only Vietnamese uses among the languages of the portal.
VIETNAMESE_LETTER = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
REGISTERED = [pytest.param(model, id=model._meta.label_lower) for model in admin.site._registry]


@pytest.fixture(scope="module")
def admin_data(django_db_setup, django_db_blocker):
    """Rows for every registered model, loaded once for the module and flushed after it.

    Tests take ``db`` as well, so what each of them writes is rolled back.
    """
    with django_db_blocker.unblock():
        services.load_reference_data()
        period = Period.objects.get(year=2014)
        unit = Unit.objects.get(code="so-noi-vu")
        submission = Submission.objects.create(
            unit=unit,
            period=period,
            status=Submission.Status.APPROVED,
            submitted_at=timezone.now(),
            approved_at=timezone.now(),
        )
        indicator = Indicator.objects.get(framework__period=period, code="I.1")
        answer = Answer.objects.create(
            submission=submission, indicator=indicator, numerator=40, denominator=50
        )
        Evidence.objects.create(answer=answer, title="Danh sách máy tính", link="https://x.vn/a")
        officer = factories.make_user("canbo-sonoivu")
        OfficerMembership.objects.create(user=officer, unit=unit)
        reviewer = factories.make_user("thamdinh-so-nganh")
        ReviewerAssignment.objects.create(
            user=reviewer, period=period, block=Block.objects.get(code="so-nganh")
        )
        score_period(period=period)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def changelist_url(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def add_url(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def visible_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.mark.parametrize("model", REGISTERED)
def test_a_superuser_sees_the_list_of_every_registered_model(admin_data, db, admin_client, model):
    response = admin_client.get(changelist_url(model))

    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count()


@pytest.mark.parametrize("model", REGISTERED)
def test_a_superuser_opens_the_add_page_of_every_model_that_can_be_added(
    admin_data, db, admin_client, admin_user, model
):
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    response = admin_client.get(add_url(model))

    if admin.site._registry[model].has_add_permission(request):
        assert response.status_code == 200
        assert response.context["adminform"] is not None
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("model", REGISTERED)
def test_an_anonymous_visitor_is_sent_to_the_admin_login(admin_data, db, client, model):
    for url in (changelist_url(model), add_url(model)):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response.url == f"{reverse('admin:login')}?next={url}"


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(db, client):
    client.force_login(factories.make_user("canbo"))

    response = client.get(changelist_url(Unit))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_workflow_rows_are_read_only_in_the_admin(admin_data, db, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    for model in (Submission, Evidence):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.has_view_permission(request)
    request.user = AnonymousUser()
    assert not admin.site._registry[Unit].has_view_permission(request)


def test_the_admin_speaks_vietnamese_by_default(db, admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert '<html lang="vi"' in response.content.decode()
    text = visible_text(response)
    # Django's own Vietnamese for "Welcome,", "Change password", "View site", "Recent actions".
    for phrase in ("Chào mừng bạn,", "Đổi mật khẩu", "Xem trang web", "Hoạt động gần đây"):
        assert phrase in text
    for phrase in ("Welcome,", "Change password", "Log out", "Recent actions"):
        assert phrase not in text


def test_the_admins_own_headings_are_in_vietnamese_by_default(db, admin_client):
    response = admin_client.get(reverse("admin:index"))

    header = re.search(r'<div id="site-name">(.*?)</div>', response.content.decode(), re.S)
    assert header
    assert VIETNAMESE_LETTER.search(header.group(1))
    text = visible_text(response)
    for english in ("Hanoi IT application ranking — administration", "Self-assessment", "Units"):
        assert english not in text


def test_searching_units_for_hoan_kiem_finds_quan_hoan_kiem(admin_data, db, admin_client):
    response = admin_client.get(changelist_url(Unit), {"q": "Hoàn Kiếm"})

    assert response.status_code == 200
    assert [unit.name for unit in response.context["cl"].result_list] == ["Quận Hoàn Kiếm"]
    assert "Quận Hoàn Kiếm" in visible_text(response)


def test_searching_units_by_code_finds_the_unit(admin_data, db, admin_client):
    response = admin_client.get(changelist_url(Unit), {"q": "xa-co-loa"})

    assert [unit.name for unit in response.context["cl"].result_list] == ["Xã Cổ Loa"]


def test_filtering_units_by_block_lists_only_that_blocks_units(admin_data, db, admin_client):
    communes = Block.objects.get(code="xa")

    response = admin_client.get(changelist_url(Unit), {"block__id__exact": communes.pk})

    names = [unit.name for unit in response.context["cl"].result_list]
    assert len(names) == Unit.objects.filter(block=communes).count() == 22
    assert all(name.startswith("Xã ") for name in names)


def test_filtering_units_that_have_an_end_date_finds_huyen_tu_liem(admin_data, db, admin_client):
    response = admin_client.get(changelist_url(Unit), {"valid_to__isempty": "0"})

    units = list(response.context["cl"].result_list)
    assert [unit.name for unit in units] == ["Huyện Từ Liêm"]
    assert units[0].valid_to == dt.date(2014, 3, 31)


def test_filtering_indicators_by_period_lists_that_years_framework(admin_data, db, admin_client):
    period = Period.objects.get(year=2013)

    response = admin_client.get(
        changelist_url(Indicator), {"framework__period__id__exact": period.pk}
    )

    indicators = list(response.context["cl"].result_list)
    assert len(indicators) == 21
    assert sum(i.max_points for i in indicators) == Decimal(100)
    assert {i.framework.period.year for i in indicators} == {2013}
