"""Every write of the assessments app (STYLE.md: services for writes, selectors for reads)."""

from assessments.services.reference import (
    FIXTURES_DIR,
    ApprovedAnswer,
    AssessmentError,
    ReferenceCounts,
    copy_framework,
    load_reference_data,
    nfc,
    open_period,
    record_approved_submissions,
    save_unit,
    search_key,
)

__all__ = [
    "FIXTURES_DIR",
    "ApprovedAnswer",
    "AssessmentError",
    "ReferenceCounts",
    "copy_framework",
    "load_reference_data",
    "nfc",
    "open_period",
    "record_approved_submissions",
    "save_unit",
    "search_key",
]
