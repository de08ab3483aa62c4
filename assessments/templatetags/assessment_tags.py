from typing import Any

from django import template
from django.utils.translation import gettext as _

from assessments.models import Answer, Submission

register = template.Library()

STATUS_LABELS = dict(Submission.Status.choices)


def _value_text(values: dict[str, Any] | None) -> str:
    """A stored value as people write it: 40/50, 3, 2.5, yes."""
    if not values:
        return "–"
    yes = values.get("value_yes", values.get("yes"))
    if yes is not None:
        return _("yes") if yes else _("no")
    if values.get("numerator") is not None or values.get("denominator") is not None:
        return f"{values.get('numerator', '–')}/{values.get('denominator', '–')}"
    for key in ("count", "points"):
        if values.get(key) is not None:
            return str(values[key])
    return "–"


@register.filter
def value_text(values: dict[str, Any] | None) -> str:
    return _value_text(values)


@register.filter
def answer_value(answer: Answer | None) -> str:
    """The unit's own value of an answer, written out."""
    if answer is None:
        return "–"
    return _value_text({field: getattr(answer, field) for field in Answer.UNIT_VALUE_FIELDS})


@register.filter
def audit_summary(entry: Any) -> str:
    """One line saying what an audit entry changed."""
    before, after = entry.before or {}, entry.after or {}
    if entry.action == "status_changed":
        old = STATUS_LABELS.get(before.get("status"), "")
        new = STATUS_LABELS.get(after.get("status"), "")
        return f"{old} → {new}" if old else str(new)
    if entry.action == "answer_changed":
        text = f"{_value_text(before)} → {_value_text(after)}"
        if before.get("note", "") != after.get("note", ""):
            text += " · " + _("note changed")
        return text
    if entry.action == "reviewer_value_changed":
        text = f"{_value_text(before.get('value'))} → {_value_text(after.get('value'))}"
        if after.get("comment") and after.get("comment") != before.get("comment"):
            text += " · " + _("comment: %(comment)s") % {"comment": after["comment"]}
        return text
    if entry.action in ("evidence_added", "evidence_removed"):
        return str((after or before).get("name", ""))
    return ""


@register.filter
def reviewer_value(answer: Answer | None) -> str:
    """The reviewer's value of an answer, written out."""
    if answer is None or answer.reviewer_value is None:
        return "–"
    return _value_text(
        {
            field.removeprefix("reviewer_"): getattr(answer, field)
            for field in Answer.REVIEWER_VALUE_FIELDS
        }
    )
