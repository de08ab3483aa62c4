"""Searching units by name, with or without diacritics, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.urls import reverse

from assessments import services
from assessments.models import Unit
from tests import factories


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Quận Hoàn Kiếm", "quan hoan kiem"),
        ("Huyện  Đông Anh", "huyen dong anh"),
        ("PHƯỜNG HÀNG TRỐNG", "phuong hang trong"),
        ("Xã Thụy An", "xa thuy an"),
        ("Quận Hoa\u0300n Kiê\u0301m", "quan hoan kiem"),  # decomposed input
    ],
)
def test_the_search_key_drops_diacritics_case_and_extra_spaces(name, key):
    assert services.search_key(name) == key


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("hoan kiem", ["Quận Hoàn Kiếm"]),
        ("Hoàn Kiếm", ["Quận Hoàn Kiếm"]),
        ("HOÀN KIẾM", ["Quận Hoàn Kiếm"]),
        ("dong da", ["Quận Đống Đa"]),
        ("  co   loa ", ["Xã Cổ Loa"]),
        ("quan", ["Quận Ba Đình", "Quận Đống Đa", "Quận Hoàn Kiếm", "Quận Tây Hồ"]),
        ("xa", ["Xã Bát Tràng", "Xã Cổ Loa"]),
        ("hanoi", []),
    ],
)
def test_searching_finds_units_with_or_without_diacritics(published, client, query, found):
    response = client.get(reverse("rankings:search"), {"q": query})

    assert response.status_code == 200
    assert [hit.unit.name for hit in response.context["hits"]] == found


def test_a_hit_shows_the_units_latest_published_year_and_links_its_profile(published, client):
    response = client.get(reverse("rankings:search"), {"q": "hoan kiem"})

    [hit] = response.context["hits"]
    assert (hit.latest.period.year, hit.latest.rank) == (2014, 1)
    assert 'href="/units/quan-hoan-kiem/"' in response.content.decode()


def test_an_empty_search_shows_the_form_only(published, client):
    response = client.get(reverse("rankings:search"))

    assert response.status_code == 200 and response.context["hits"] == []
    assert 'name="q"' in response.content.decode()


def test_reference_data_and_the_admin_keep_the_search_name_up_to_date(db, admin_client):
    services.load_reference_data()
    unit = Unit.objects.get(code="quan-hoan-kiem")
    assert unit.search_name == "quan hoan kiem"

    response = admin_client.post(
        reverse("admin:assessments_unit_change", args=[unit.pk]),
        {"code": unit.code, "name": "Quận Hoàn Kiếm Mới", "block": unit.block_id},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.get(pk=unit.pk).search_name == "quan hoan kiem moi"


def test_the_data_migration_fills_the_search_name_of_existing_units(db):
    unit = factories.make_unit(name="Phường Dịch Vọng Hậu")
    assert unit.search_name == ""
    migration = importlib.import_module("assessments.migrations.0005_fill_unit_search_name")

    migration.fill(global_apps, None)

    unit.refresh_from_db()
    assert unit.search_name == "phuong dich vong hau"
    migration.empty(global_apps, None)
    unit.refresh_from_db()
    assert unit.search_name == ""
