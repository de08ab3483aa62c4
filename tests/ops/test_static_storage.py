"""The production static storage: hashed URLs from the manifest, worked out once per name."""

from __future__ import annotations

import json

from django.test import override_settings

from hanoi_ict.storage import StaticStorage


def storage_with_manifest(tmp_path) -> StaticStorage:
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/portal.css": "css/portal.0123abcd.css"}})
    )
    return StaticStorage(location=tmp_path, base_url="/static/")


def test_the_stylesheet_link_is_the_hashed_file_every_time(tmp_path, settings):
    settings.DEBUG = False
    storage = storage_with_manifest(tmp_path)

    first = storage.url("css/portal.css")

    assert first == "/static/css/portal.0123abcd.css"
    assert storage.url("css/portal.css") == first


def test_with_debug_on_the_link_is_the_plain_file_and_the_hashed_one_comes_back_after(tmp_path):
    storage = storage_with_manifest(tmp_path)

    with override_settings(DEBUG=False):
        assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/portal.css") == "/static/css/portal.css"
    with override_settings(DEBUG=False):
        assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_an_error_every_time(tmp_path, settings):
    settings.DEBUG = False
    storage = storage_with_manifest(tmp_path)

    for _ in range(2):
        try:
            storage.url("css/missing.css")
        except ValueError as error:
            assert "css/missing.css" in str(error)
        else:
            raise AssertionError("a missing file got a URL")
