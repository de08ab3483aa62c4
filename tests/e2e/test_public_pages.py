"""The public pages in the browser, from the demo (2013 and 2014 published): what citizens see.

Screenshots of the home page, a block and a unit profile at desktop and phone widths go to
test-results/screenshots/; axe-core must find no serious or critical violation on any of them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = {
    "home": "/",
    "block": "/results/2014/so-nganh/",
    "unit": "/units/quan-hoan-kiem/",
    "methodology": "/results/2014/methodology/",
}


def no_sideways_scroll(page: Page) -> None:
    """Nothing sticks out of the viewport except inside a .table-scroll box."""
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .filter((el) => !el.closest(".table-scroll"))
            .map((el) => el.tagName.toLowerCase() + "." + el.className)"""
    )
    assert wide == []


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
@pytest.mark.parametrize("name", list(PAGES))
def test_public_pages_render_accessibly_at_desktop_and_phone_widths(
    demo, page: Page, screenshot, assert_accessible, name, size, viewport
):
    page.set_viewport_size(viewport)

    page.goto(PAGES[name])

    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_be_visible()
    screenshot(page, f"{name}-{size}")
    assert_accessible(page)
    no_sideways_scroll(page)


def test_the_home_page_is_the_2014_announcement(demo, page: Page):
    page.goto("/")

    expect(page.locator("h1")).to_have_text("Xếp hạng ứng dụng CNTT năm 2014")
    expect(page.locator("table.grade-table tfoot td")).to_have_text(["20", "81", "9", "1", "111"])
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("Sở, ban, ngành: 6 Tốt, 13 Khá, 3 Trung bình")


def test_the_language_switch_is_a_link_to_the_same_page_in_english_and_back(demo, page: Page):
    page.goto(PAGES["block"])

    page.locator(".language-switch a[hreflang=en]").click()

    expect(page).to_have_url(re.compile(r"/en/results/2014/so-nganh/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("City departments and agencies")
    page.locator(".language-switch a[hreflang=vi]").click()
    expect(page).to_have_url(re.compile(r"/results/2014/so-nganh/$"))
    expect(page.locator("h1")).to_contain_text("Sở, ban, ngành")
    assert page.context.cookies() == []


def test_sorting_a_block_by_a_column_and_opening_a_unit_from_the_search(demo, page: Page):
    page.goto(PAGES["block"])
    page.locator("table.ranking thead").get_by_role("link", name="Đơn vị").click()

    expect(page.locator("table.ranking thead th[aria-sort=ascending]")).to_contain_text("Đơn vị")
    first = page.locator("table.ranking tbody tr").first.locator("th")
    expect(first).to_have_text("Ban Dân tộc")

    page.goto("/")
    page.get_by_label("Tên đơn vị (gõ có dấu hoặc không dấu)").fill("hoan kiem")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name="Quận Hoàn Kiếm").click()

    expect(page.locator("h1")).to_have_text("Quận Hoàn Kiếm")
    expect(page.locator("svg[role=img] text.point")).to_have_count(2)
