"""Shared personas: an admin, officers of two units, reviewers of two blocks, and anonymous."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection

from tests import factories


# Codes differ from the reference data's, so personas and load_reference_data() can meet.
@pytest.fixture
def block(db):
    return factories.make_block("test-so-nganh", name_vi="Sở, ban, ngành", order=1)


@pytest.fixture
def other_block(db):
    return factories.make_block("test-xa", name_vi="Xã", order=6)


@pytest.fixture
def period(db):
    return factories.make_period(2014)


@pytest.fixture
def unit(block):
    return factories.make_unit(block, code="test-so-noi-vu", name="Sở Nội vụ")


@pytest.fixture
def other_unit(other_block):
    return factories.make_unit(other_block, code="test-xa-co-loa", name="Xã Cổ Loa")


@pytest.fixture
def admin_user(db):
    return factories.make_user("portal-admin", is_staff=True, is_superuser=True)


@pytest.fixture
def officer(unit):
    return factories.make_officer(unit, "officer")


@pytest.fixture
def other_officer(other_unit):
    return factories.make_officer(other_unit, "other-officer")


@pytest.fixture
def reviewer(period, block):
    return factories.make_reviewer(period, block, "reviewer")


@pytest.fixture
def other_reviewer(period, other_block):
    return factories.make_reviewer(period, other_block, "other-reviewer")


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """The full demo (reference data, logins, 2013–2014 scored), loaded once per test module.

    Tests that use it take ``db`` as well, so what each test writes is rolled back; the module's
    demo data is flushed when the module ends, so other modules start from an empty database.
    """
    with django_db_blocker.unblock():
        # The flush below must only ever empty a test database, never the developer's own.
        name = str(connection.settings_dict["NAME"])
        if not (name.startswith("test_") or "memory" in name or name == ""):
            pytest.fail(f"demo_db needs a test database, but the default one is {name!r}.")
        call_command("load_demo", verbosity=0, stdout=io.StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
