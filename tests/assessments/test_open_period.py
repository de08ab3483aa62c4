"""Opening next year's period by copying this year's: service, management command, admin action."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from assessments import services
from assessments.models import (
    Block,
    CriteriaGroup,
    Framework,
    GradeThresholdOverride,
    Indicator,
    Participation,
    Period,
    Unit,
)
from tests import factories


@pytest.fixture
def reference(db):
    """2013 and 2014 as loaded from the fixtures, with a stricter grading for communes in 2014."""
    services.load_reference_data()
    GradeThresholdOverride.objects.create(
        period=Period.objects.get(year=2014),
        block=Block.objects.get(code="xa"),
        tot_threshold=Decimal("85"),
        kha_threshold=Decimal("70"),
        trung_binh_threshold=Decimal("55"),
    )


def framework_shape(year: int) -> dict[str, tuple]:
    """Each indicator of ``year`` by code: its group, kind, maximum, flags and blocks."""
    indicators = Indicator.objects.filter(framework__period__year=year).select_related("group")
    return {
        indicator.code: (
            indicator.group.code,
            indicator.kind,
            indicator.max_points,
            indicator.evidence_required,
            indicator.online_service,
            indicator.name_vi,
            frozenset(indicator.blocks.values_list("code", flat=True)),
        )
        for indicator in indicators
    }


def memberships(year: int) -> set[tuple[str, str]]:
    return set(
        Participation.objects.filter(period__year=year).values_list("unit__code", "block__code")
    )


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Period,
            Framework,
            CriteriaGroup,
            Indicator,
            GradeThresholdOverride,
            Participation,
        )
    }


# The service


def test_opening_2015_copies_2014s_framework_into_new_rows(reference):
    period = services.open_period(year=2015, copy_from=2014)

    source = Framework.objects.get(period__year=2014)
    assert period.framework.copied_from == source
    assert period.framework.name_vi == source.name_vi
    assert framework_shape(2015) == framework_shape(2014)
    assert len(framework_shape(2015)) == 21
    new_indicators = set(period.framework.indicators.values_list("pk", flat=True))
    assert new_indicators.isdisjoint(source.indicators.values_list("pk", flat=True))
    new_groups = set(period.framework.groups.values_list("pk", flat=True))
    assert new_groups.isdisjoint(source.groups.values_list("pk", flat=True))
    # Each copied indicator hangs under the copied group, not the one of 2014.
    assert set(period.framework.indicators.values_list("group_id", flat=True)) == new_groups


def test_opening_2015_copies_thresholds_dates_and_block_overrides(reference):
    period = services.open_period(year=2015, copy_from=2014)

    assert period.state == Period.State.DRAFT
    assert (period.opens_at, period.submission_deadline) == (
        dt.date(2015, 12, 1),
        dt.date(2015, 12, 25),
    )
    assert period.thresholds == Period.objects.get(year=2014).thresholds
    override = period.threshold_overrides.get()
    assert override.block.code == "xa"
    assert (override.tot_threshold, override.kha_threshold, override.trung_binh_threshold) == (
        Decimal("85"),
        Decimal("70"),
        Decimal("55"),
    )
    assert GradeThresholdOverride.objects.filter(period__year=2014).count() == 1


def test_opening_2015_copies_2014s_units_in_their_2014_blocks(reference):
    services.open_period(year=2015, copy_from=2014)

    assert len(memberships(2015)) == 111
    assert memberships(2015) == memberships(2014)


def test_a_unit_that_ended_before_the_new_year_is_not_copied(reference):
    Unit.objects.filter(code="xa-co-loa").update(valid_to=dt.date(2014, 12, 31))

    services.open_period(year=2015, copy_from=2014)

    assert not Participation.objects.filter(period__year=2015, unit__code="xa-co-loa").exists()
    assert len(memberships(2015)) == 110


def test_editing_an_indicator_of_2015_leaves_2014_unchanged(reference):
    services.open_period(year=2015, copy_from=2014)
    before = framework_shape(2014)
    new = Indicator.objects.get(framework__period__year=2015, code="I.1")

    new.max_points = Decimal("7")
    new.name_vi = "Tỷ lệ máy tính trên cán bộ"
    new.save()
    new.blocks.clear()
    new.group.name_vi = "Hạ tầng kỹ thuật"
    new.group.save()

    assert framework_shape(2014) == before
    assert Indicator.objects.get(framework__period__year=2014, code="I.1").max_points == 5
    assert CriteriaGroup.objects.get(framework__period__year=2014, code="I").name_vi == (
        "Cơ sở hạ tầng CNTT"
    )


def test_opening_a_year_that_exists_is_refused_and_writes_nothing(reference):
    before = row_counts()

    with pytest.raises(services.AssessmentError, match="2014"), translation.override("en"):
        services.open_period(year=2014, copy_from=2013)

    assert row_counts() == before


def test_copying_from_a_missing_year_is_refused_and_writes_nothing(reference):
    before = row_counts()

    with pytest.raises(services.AssessmentError, match="2010"), translation.override("en"):
        services.open_period(year=2015, copy_from=2010)

    assert row_counts() == before
    assert not Period.objects.filter(year=2015).exists()


def test_copying_from_a_period_without_a_framework_is_refused_and_writes_nothing(reference):
    Period.objects.create(year=2012)
    before = row_counts()

    with pytest.raises(services.AssessmentError, match="2012"), translation.override("en"):
        services.open_period(year=2015, copy_from=2012)

    assert row_counts() == before


# The management command


def test_the_command_opens_2015_and_says_what_it_copied(reference):
    out = io.StringIO()

    call_command("open_period", "2015", "--copy-from", "2014", stdout=out)

    assert Period.objects.filter(year=2015).exists()
    assert len(memberships(2015)) == 111
    message = out.getvalue()
    assert "2015" in message
    assert "21 indicators" in message
    assert "111 units" in message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["2014", "--copy-from", "2013"], "The period 2014 already exists.", id="year"),
        pytest.param(
            ["2015", "--copy-from", "2010"], "There is no period 2010 to copy from.", id="source"
        ),
    ],
)
def test_the_command_fails_with_a_clear_message_and_writes_nothing(reference, args, message):
    before = row_counts()

    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("open_period", *args, stdout=io.StringIO())

    assert str(error.value) == message
    assert row_counts() == before


def test_the_command_refuses_an_implausible_year_with_a_clear_message(reference):
    with pytest.raises(CommandError, match="1999"), translation.override("en"):
        call_command("open_period", "1999", "--copy-from", "2014", stdout=io.StringIO())

    assert not Period.objects.filter(year=1999).exists()


def test_the_command_refuses_a_year_before_the_period_it_copies(reference):
    with pytest.raises(CommandError, match="must come after"), translation.override("en"):
        call_command("open_period", "2012", "--copy-from", "2014", stdout=io.StringIO())

    assert not Period.objects.filter(year=2012).exists()


def test_the_command_asks_for_the_year_to_copy_from(reference):
    with pytest.raises(CommandError, match="--copy-from"):
        call_command("open_period", "2015", stdout=io.StringIO())

    assert not Period.objects.filter(year=2015).exists()


# The admin action


def _run_open_next_period(client, period: Period):
    return client.post(
        reverse("admin:assessments_period_changelist"),
        {"action": "open_next_period", "_selected_action": [period.pk]},
        follow=True,
    )


def test_an_admin_opens_2015_from_the_period_list(reference, client, admin_user):
    client.force_login(admin_user)

    response = _run_open_next_period(client, Period.objects.get(year=2014))

    assert response.status_code == 200
    period = Period.objects.get(year=2015)
    assert period.framework.indicators.count() == 21
    assert period.participations.count() == 111
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert len(messages) == 1
    assert messages[0][0] == "success"
    assert "2015" in messages[0][1]


def test_the_admin_action_reports_a_year_that_exists_as_an_error(reference, client, admin_user):
    client.force_login(admin_user)
    before = row_counts()

    response = _run_open_next_period(client, Period.objects.get(year=2013))

    assert response.status_code == 200
    assert row_counts() == before
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert len(messages) == 1
    assert messages[0][0] == "error"
    assert "2014" in messages[0][1]


def test_a_user_who_is_not_staff_cannot_run_the_admin_action(reference, client):
    client.force_login(factories.make_user("canbo"))

    response = client.post(
        reverse("admin:assessments_period_changelist"),
        {"action": "open_next_period", "_selected_action": [Period.objects.get(year=2014).pk]},
    )

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Period.objects.filter(year=2015).exists()
