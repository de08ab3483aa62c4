"""The review queue page and the API filter submissions with the same definitions
(``assessments/filters.py``): the same block and status give the same units."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from tests import factories
from tests.api.conftest import token_client
from tests.assessments.conftest import in_vietnamese


def queue(client, **query) -> str:
    response = client.get(reverse("assessments:review_queue"), {"year": 2015, **query})
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def api_units(user, **query) -> list[str]:
    listed = token_client(user).get("/api/v1/submissions/", {"year": 2015, **query}).json()
    return [s["unit"]["code"] for s in listed["results"]]


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"block": "test-xa"}, "Xã Cổ Loa", "Sở Nội vụ"),
        ({"block": "test-so-nganh"}, "Sở Nội vụ", "Xã Cổ Loa"),
        ({"status": "submitted"}, "Xã Cổ Loa", "Sở Nội vụ"),
        ({"block": "test-so-nganh", "status": "draft"}, "Sở Nội vụ", "Xã Cổ Loa"),
    ],
)
def test_the_queue_page_and_the_api_filter_alike(
    client, admin_user, draft, submitted, query, shown, hidden
):
    client.force_login(admin_user)

    content = queue(client, **query)

    assert shown in content and hidden not in content
    expected = {"Xã Cổ Loa": "test-xa-co-loa", "Sở Nội vụ": "test-so-noi-vu"}[shown]
    assert api_units(admin_user, **query) == [expected]


def test_the_queue_counts_the_statuses_of_the_chosen_block(
    client, admin_user, draft, submitted, period, block
):
    waiting = factories.make_unit(block, code="test-so-tai-chinh", name="Sở Tài chính")
    factories.make_participation(period, waiting)
    client.force_login(admin_user)

    content = queue(client, block="test-so-nganh", status="none")

    assert f"{in_vietnamese('All')} (2)" in content  # Sở Nội vụ and Sở Tài chính
    assert f"{in_vietnamese('Not started')} (1)" in content
    assert "Sở Tài chính" in content and "Sở Nội vụ" not in content
    assert 'href="?year=2015&block=test-so-nganh&status=draft"' in content


def test_the_block_choice_appears_only_with_more_than_one_block(
    client, admin_user, reviewer, draft, submitted
):
    client.force_login(admin_user)
    assert 'name="block"' in queue(client)

    client.force_login(reviewer)
    assert 'name="block"' not in queue(client)


def test_a_reviewer_cannot_widen_the_queue_with_another_blocks_code(
    client, reviewer, draft, submitted
):
    client.force_login(reviewer)

    content = queue(client, block="test-xa")

    assert "Xã Cổ Loa" not in content
    assert api_units(reviewer, block="test-xa") == []
