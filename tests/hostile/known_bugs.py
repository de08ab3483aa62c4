"""Inputs that hit a bug already reported (each has a strict xfail in test_known_bugs.py).

The property-based tests skip exactly these inputs, so the suite stays green while the bug is
open, and nothing else is skipped. When a bug is fixed its xfail starts passing and fails the
run (strict): delete the xfail marker and the predicate here together.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import StepValueValidator
from django.db import connection


def crashes_points_field(text: object) -> bool:
    """Django's ``StepValueValidator`` (the points field's ``step_size``) raises ValueError or
    decimal.Overflow for a number too large for a float, e.g. "1e309" or "9e999999999"."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return False
    if not value.is_finite():
        return False
    try:
        StepValueValidator(Decimal("0.5"))(value)
    except ValidationError:
        return False
    except Exception:
        return True
    return False


def nul_on_postgresql(text: str) -> bool:
    """PostgreSQL refuses NUL in a text parameter (DataError); SQLite takes it."""
    return "\x00" in text and connection.vendor == "postgresql"


def digit_but_not_a_number(text: str) -> bool:
    """``str.isdigit()`` is true for "²", "①", but ``int()`` refuses them: the checks of
    ?version=, of API lookups and of remove_evidence use isdigit, then int."""
    return any(char.isdigit() and not char.isdecimal() for char in text)


def slash_in_verification_code(text: str) -> bool:
    """/verify/?code=a/b redirects to reverse("awards:verify", code="A/B"): NoReverseMatch."""
    return "/" in text.strip()
