import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Certificates are written to a throwaway media root."""
    settings.MEDIA_ROOT = tmp_path / "media"
