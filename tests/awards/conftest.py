import pytest


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Certificates are written to a throwaway media root."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def undecided_2014(db) -> None:
    """2014 as it stood before the demo confirmed its awards: no awards, no decision number.

    ``load_demo`` proposes and confirms the 2014 awards; tests of proposing and confirming start
    from before that (inside the test's transaction, so the demo is back for the next test).
    """
    from awards.models import Award, AwardEvent, AwardSettings

    AwardEvent.objects.filter(award__period__year=2014).delete()
    Award.objects.filter(period__year=2014).delete()
    AwardSettings.objects.filter(period__year=2014).update(decision_number="", decision_date=None)
