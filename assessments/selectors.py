"""Reads of the assessment data that pages, commands and the API share."""

from __future__ import annotations

from dataclasses import dataclass

from assessments.models import Block, Participation, Period


@dataclass(frozen=True)
class BlockMembers:
    block: Block
    participations: list[Participation]


def latest_period() -> Period | None:
    return Period.objects.order_by("-year").first()


def period_membership(period: Period) -> list[BlockMembers]:
    """The period's units grouped by the block they are ranked in that year, in one query."""
    participations = (
        Participation.objects.filter(period=period)
        .select_related("unit", "block")
        .order_by("block__order", "unit__name")
    )
    groups: dict[int, BlockMembers] = {}
    for participation in participations:
        members = groups.setdefault(
            participation.block_id, BlockMembers(block=participation.block, participations=[])
        )
        members.participations.append(participation)
    return list(groups.values())
