"""The demo, loaded once for the whole package, and a private MEDIA_ROOT for its files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test.utils import override_settings

from tests.access.world import World, flush, load_world


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    """The demo and the extras of ``load_world``; tests take ``db`` too, so what each writes
    is rolled back. Flushed when the package ends, as ``demo_db`` does per module."""
    media = override_settings(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("access-media")),
        # Passwords are checked only by the login endpoints' refusals: cheaply.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    media.enable()
    try:
        with django_db_blocker.unblock():
            loaded = load_world()
        yield loaded
    finally:
        with django_db_blocker.unblock():
            flush()
        media.disable()
