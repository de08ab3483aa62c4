"""Serializers of the API (assessments/api.py): submissions, answers, evidence, and errors.

Input serializers check types only; the rules of each value (limits, steps, a rate's two numbers,
the reason a reviewer's change needs) are the page's own forms', applied by the views.
"""

from __future__ import annotations

from rest_framework import serializers

from assessments.models import Evidence, Indicator, Submission

# --- errors --------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error of the API has this shape."""

    detail = serializers.CharField(help_text="What went wrong, in the interface's language.")
    code = serializers.CharField(
        help_text="A stable code: invalid, parse_error, not_authenticated, authentication_failed, "
        "permission_denied, not_found, conflict, throttled, …"
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="For invalid input: the messages by field (or by indicator code).",
    )


# --- reading submissions -------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()


class SubmissionSerializer(serializers.ModelSerializer):
    """A submission as listed: whose, which year, where it stands."""

    year = serializers.IntegerField(source="period.year")
    unit = UnitRefSerializer()
    block = serializers.CharField(
        source="block_code",
        allow_null=True,
        help_text="Code of the block the unit is ranked in that year.",
    )
    version = serializers.IntegerField(
        help_text="Send it back with an action: a stale version is refused (409)."
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "year",
            "unit",
            "block",
            "status",
            "version",
            "submitted_at",
            "approved_at",
            "updated_at",
        ]


class ValuesSerializer(serializers.Serializer):
    """A value of an indicator; only the fields of its kind are used."""

    value_yes = serializers.BooleanField(
        allow_null=True, required=False, help_text="yes_no indicators."
    )
    numerator = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, help_text="rate indicators."
    )
    denominator = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, help_text="rate indicators."
    )
    count = serializers.IntegerField(
        allow_null=True, required=False, min_value=0, help_text="count indicators."
    )
    points = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        allow_null=True,
        required=False,
        help_text="scale indicators: 0 to the maximum, in steps of 0.5.",
    )

    VALUE_FIELDS = ("value_yes", "numerator", "denominator", "count", "points")


class ReviewerStateSerializer(ValuesSerializer):
    """The reviewer's value (all empty: the unit's value stands), reason and comment."""

    reason = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)


class EvidenceSerializer(serializers.ModelSerializer):
    """Evidence metadata; the file itself is not served by the API."""

    indicator = serializers.CharField(source="answer.indicator.code")
    kind = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="The portal's download address of a file (needs a logged-in browser)."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "indicator",
            "kind",
            "title",
            "link",
            "original_name",
            "size",
            "sha256",
            "content_type",
            "uploaded_at",
            "download_url",
        ]

    def get_kind(self, evidence: Evidence) -> str:
        return "file" if evidence.file else "link"

    def get_download_url(self, evidence: Evidence) -> str | None:
        if not evidence.file:
            return None
        from django.urls import reverse

        path = reverse("assessments:evidence", args=[evidence.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AnswerSerializer(ValuesSerializer):
    """One applicable indicator of the submission with the unit's value (and the reviewer's)."""

    indicator = serializers.CharField()
    group = serializers.CharField()
    name_vi = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=Indicator.Kind.choices)
    max_points = serializers.DecimalField(max_digits=5, decimal_places=2)
    evidence_required = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    editable = serializers.BooleanField(
        help_text="Whether the unit's officers may change this value now."
    )
    reopened = serializers.BooleanField(help_text="Returned by a reviewer for revision.")
    reviewer_comment = serializers.CharField(
        allow_blank=True,
        help_text="The reviewer's comment (for officers: on indicators returned to them).",
    )
    reviewer = ReviewerStateSerializer(
        allow_null=True,
        help_text="The reviewer's value, reason and comment; for reviewers and admins only.",
    )
    evidence = EvidenceSerializer(many=True)


class SubmissionDetailSerializer(SubmissionSerializer):
    """A submission with every applicable indicator's answer and evidence."""

    editable = serializers.BooleanField(
        help_text="Whether you may change the answers now (an officer of the unit, a draft)."
    )
    can_review = serializers.BooleanField(
        help_text="Whether you may appraise it (save corrections, return, approve)."
    )
    answers = AnswerSerializer(many=True)

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "editable", "can_review", "answers"]


# --- writing -------------------------------------------------------------------------------------


class SubmissionStartSerializer(serializers.Serializer):
    unit = serializers.SlugField(max_length=80, help_text="Code of one of your units.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class AnswerInputSerializer(ValuesSerializer):
    """Values of one indicator. Fields left out keep their stored value; null empties one."""

    indicator = serializers.CharField(max_length=20, help_text="The indicator's code, e.g. I.1.")
    note = serializers.CharField(allow_blank=True, required=False, max_length=2000)


class AnswersUpdateSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, allow_empty=False, max_length=200)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        # The service writes version + 1 into a 32-bit column: one less than its maximum.
        max_value=2_147_483_646,
        help_text="The submission's version as you read it.",
    )


class CorrectionInputSerializer(ValuesSerializer):
    """A reviewer's statement on one indicator, as the review page posts it: a value (all empty:
    the unit's value stands), the reason a changed value needs, a comment to the unit, and on
    return whether the indicator is reopened for revision."""

    indicator = serializers.CharField(max_length=20, help_text="The indicator's code, e.g. I.1.")
    reason = serializers.CharField(allow_blank=True, required=False, max_length=2000)
    comment = serializers.CharField(allow_blank=True, required=False, max_length=2000)
    reopen = serializers.BooleanField(
        required=False, default=False, help_text="On return: reopen this indicator."
    )


class ReviewActionSerializer(VersionSerializer):
    corrections = CorrectionInputSerializer(many=True, required=False, max_length=200)


class ReturnSerializer(ReviewActionSerializer):
    reason = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="Why the submission is returned."
    )


class EvidenceInputSerializer(serializers.Serializer):
    """A file (multipart) or a link, for one indicator."""

    indicator = serializers.CharField(max_length=20, help_text="The indicator's code, e.g. I.1.")
    file = serializers.FileField(required=False, allow_empty_file=True)
    link = serializers.URLField(required=False, allow_blank=True, max_length=500)


class SubmissionExportRowSerializer(serializers.Serializer):
    """One indicator of a submission as exported (text, or null where empty)."""

    year = serializers.CharField()
    unit_code = serializers.CharField()
    unit_name = serializers.CharField()
    block_code = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    group = serializers.CharField()
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    kind = serializers.CharField()
    max_points = serializers.CharField()
    value_yes = serializers.CharField(allow_null=True)
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    count = serializers.CharField(allow_null=True)
    points = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_null=True)
    evidence = serializers.CharField()
    reopened = serializers.CharField()
    reviewer_comment = serializers.CharField(allow_null=True)
    reviewer_value_yes = serializers.CharField(required=False, allow_null=True)
    reviewer_numerator = serializers.CharField(required=False, allow_null=True)
    reviewer_denominator = serializers.CharField(required=False, allow_null=True)
    reviewer_count = serializers.CharField(required=False, allow_null=True)
    reviewer_points = serializers.CharField(required=False, allow_null=True)
    reviewer_reason = serializers.CharField(required=False, allow_null=True)
