"""``/api/v1/submissions/``: an officer's own submissions and answers, a reviewer's appraisal.

Who sees what is decided where the pages decide it: ``Submission.objects.visible_to`` (seeing;
404 otherwise), ``of_officer`` and ``selectors.officer_participations`` (entering values) and
``selectors.reviewable_submissions`` (appraising; 403 for someone who may see but not do). The
writes are the pages' services, with the submission's version for compare-and-set as on the
pages; the values are checked by the pages' forms.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from assessments import selectors
from assessments import serializers as s
from assessments.api.common import (
    Conflict,
    CSVRenderer,
    ExportMixin,
    Pagination,
    csv_response,
    error_responses,
    export_responses,
    natural_key_lookup,
)
from assessments.api.values import (
    checked_answers,
    checked_corrections,
    export_value,
    service_errors,
    unknown_indicator,
)
from assessments.filters import SubmissionFilter
from assessments.models import Answer, Evidence, Indicator, Participation, Submission
from assessments.services import AssessmentError
from assessments.services import submissions as workflow
from hanoi_ict.api_parsers import JSONParser

SUBMISSION_EXPORT_COLUMNS = [
    "year",
    "unit_code",
    "unit_name",
    "block_code",
    "status",
    "group",
    "indicator",
    "indicator_name",
    "kind",
    "max_points",
    "value_yes",
    "numerator",
    "denominator",
    "count",
    "points",
    "note",
    "evidence",
    "reopened",
    "reviewer_comment",
]
# Only for those who appraise the submission (the page shows reviewers' values to them).
REVIEWER_EXPORT_COLUMNS = [
    "reviewer_value_yes",
    "reviewer_numerator",
    "reviewer_denominator",
    "reviewer_count",
    "reviewer_points",
    "reviewer_reason",
]


SUBMISSION_ERRORS = (401, 403, 404)
ACTION_ERRORS = (400, 401, 403, 404, 409)


@extend_schema_view(
    list=extend_schema(
        summary="Submissions you may see",
        description=(
            "Officers: their units' submissions, every year. Reviewers: the submissions of the "
            "blocks assigned to them in that period. Admins: all. Filters as on the review queue."
        ),
        responses={200: s.SubmissionSerializer(many=True), **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="A submission with its answers and evidence",
        description=(
            "Every indicator that applies to the unit that year, with the unit's value, note and "
            "evidence; for those who appraise it, the reviewer's value, reason and comment."
        ),
        responses={200: s.SubmissionDetailSerializer, **error_responses(*SUBMISSION_ERRORS)},
    ),
    create=extend_schema(
        summary="Start your unit's self-assessment of a period",
        description="Officers: the unit's submission of an open period (created as a draft).",
        request=s.SubmissionStartSerializer,
        responses={
            200: OpenApiResponse(s.SubmissionDetailSerializer, description="It already existed."),
            201: OpenApiResponse(s.SubmissionDetailSerializer, description="Started."),
            **error_responses(400, 401, 403, 404, 409),
        },
    ),
)
class SubmissionViewSet(ExportMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The self-assessments you may see, and the actions you may take on them."""

    permission_classes = (IsAuthenticated,)
    pagination_class = Pagination
    filterset_class = SubmissionFilter
    serializer_class = s.SubmissionSerializer
    parser_classes = (JSONParser,)
    queryset = Submission.objects.none()  # the schema's model; get_queryset decides

    def get_queryset(self) -> QuerySet[Submission]:
        block_that_year = Participation.objects.filter(
            unit=OuterRef("unit"), period=OuterRef("period")
        ).values("block__code")[:1]
        return (
            Submission.objects.visible_to(self.request.user)
            .select_related("unit", "period")
            .annotate(block_code=Subquery(block_that_year))
            .order_by("-period__year", "unit__block__order", "unit__name", "pk")
        )

    def get_object(self) -> Submission:
        pk = natural_key_lookup(str(self.kwargs["pk"]), digits=True)
        submission = self.get_queryset().filter(pk=pk).first()
        if submission is None:
            raise exceptions.NotFound(_("No such submission, or not one you may see."))
        return submission

    # -- who may act -------------------------------------------------------------------------------

    def _as_officer(self, submission: Submission) -> None:
        if not Submission.objects.of_officer(self.request.user).filter(pk=submission.pk).exists():
            raise exceptions.PermissionDenied(
                _("Only an officer of the unit can change its self-assessment.")
            )

    def _can_review(self, submission: Submission) -> bool:
        return selectors.reviewable_submissions(self.request.user).filter(pk=submission.pk).exists()

    def _as_reviewer(self, submission: Submission) -> None:
        if not self._can_review(submission):
            raise exceptions.PermissionDenied(_("You do not appraise this submission."))

    # -- reading -----------------------------------------------------------------------------------

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._detail(self.get_object())

    def _detail(self, submission: Submission, *, status_code: int = 200) -> Response:
        submission = self.get_queryset().get(pk=submission.pk)  # fresh, with its block
        user = self.request.user
        is_officer = Submission.objects.of_officer(user).filter(pk=submission.pk).exists()
        can_review = self._can_review(submission)
        editable = workflow.editable_indicator_ids(submission) if is_officer else set()
        answers = [
            self._answer_row(indicator, answer, editable=editable, can_review=can_review)
            for indicator, answer in self._answers(submission)
        ]
        context = {"request": self.request}
        data = s.SubmissionSerializer(submission, context=context).data
        data |= {
            "editable": bool(is_officer and editable != set()),
            "can_review": can_review,
            "answers": s.AnswerSerializer(answers, many=True, context=context).data,
        }
        return Response(data, status=status_code)

    @staticmethod
    def _answers(submission: Submission) -> list[tuple[Indicator, Answer | None]]:
        try:
            indicators = workflow.applicable_indicators(submission)
        except AssessmentError:  # the unit no longer takes part in the period
            indicators = []
        answers = {
            answer.indicator_id: answer
            for answer in Answer.objects.filter(submission=submission).prefetch_related(
                Prefetch(
                    "evidence",
                    queryset=Evidence.objects.select_related("answer__indicator").order_by(
                        "uploaded_at", "pk"
                    ),
                )
            )
        }
        return [(indicator, answers.get(indicator.pk)) for indicator in indicators]

    @staticmethod
    def _answer_row(
        indicator: Indicator, answer: Answer | None, *, editable: set[int] | None, can_review: bool
    ) -> dict[str, Any]:
        reopened = bool(answer and answer.reopened)
        comment = answer.reviewer_comment if answer else ""
        row: dict[str, Any] = {
            "indicator": indicator.code,
            "group": indicator.group.code,
            "name_vi": indicator.name_vi,
            "name_en": indicator.name_en,
            "kind": indicator.kind,
            "max_points": indicator.max_points,
            "evidence_required": indicator.evidence_required,
            **{field: getattr(answer, field, None) for field in s.ValuesSerializer.VALUE_FIELDS},
            "note": answer.note if answer else "",
            "editable": editable is None or indicator.pk in editable,
            "reopened": reopened,
            # The officer's form shows the comment of a reopened indicator only.
            "reviewer_comment": comment if (can_review or reopened) else "",
            "reviewer": None,
            "evidence": list(answer.evidence.all()) if answer else [],
        }
        if can_review:
            row["reviewer"] = {
                **{
                    field.removeprefix("reviewer_"): getattr(answer, field, None)
                    for field in Answer.REVIEWER_VALUE_FIELDS
                },
                "reason": answer.reviewer_reason if answer else "",
                "comment": comment,
            }
        return row

    @extend_schema(
        summary="Export a submission's answers (JSON or CSV)",
        description=(
            "One row per applicable indicator: the unit's values, note, number of evidence items "
            "and, for those who appraise it, the reviewer's values. `?format=csv` (or "
            "`Accept: text/csv`) for a CSV file."
        ),
        responses=export_responses(s.SubmissionExportRowSerializer, *SUBMISSION_ERRORS),
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, CSVRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        submission = self.get_object()
        can_review = self._can_review(submission)
        columns = SUBMISSION_EXPORT_COLUMNS + (REVIEWER_EXPORT_COLUMNS if can_review else [])
        rows = [
            self._export_row(submission, indicator, answer, can_review=can_review)
            for indicator, answer in self._answers(submission)
        ]
        if request.accepted_renderer.format == "csv":
            name = f"tu-danh-gia-{submission.unit.code}-{submission.period.year}.csv"
            return csv_response(columns, rows, name)
        return Response([dict(zip(columns, row, strict=True)) for row in rows])

    @staticmethod
    def _export_row(
        submission: Submission, indicator: Indicator, answer: Answer | None, *, can_review: bool
    ) -> list[str | None]:
        reopened = bool(answer and answer.reopened)
        row = [
            str(submission.period.year),
            submission.unit.code,
            submission.unit.name,
            getattr(submission, "block_code", None),
            submission.status,
            indicator.group.code,
            indicator.code,
            indicator.name,
            indicator.kind,
            str(indicator.max_points),
            *(export_value(getattr(answer, f, None)) for f in Answer.UNIT_VALUE_FIELDS),
            export_value(answer.note if answer else None),
            str(len(answer.evidence.all()) if answer else 0),
            "yes" if reopened else "no",
            export_value(answer.reviewer_comment if answer and (can_review or reopened) else None),
        ]
        if can_review:
            row += [export_value(getattr(answer, f, None)) for f in Answer.REVIEWER_VALUE_FIELDS]
            row.append(export_value(answer.reviewer_reason if answer else None))
        return row

    # -- the officer's actions ---------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        body = s.SubmissionStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        participation = get_object_or_404(
            selectors.officer_participations(request.user),
            unit__code=body.validated_data["unit"],
            period__year=body.validated_data["year"],
        )
        existed = Submission.objects.filter(
            unit=participation.unit, period=participation.period
        ).exists()
        with service_errors():
            submission = workflow.start_submission(
                unit=participation.unit, period=participation.period, actor=request.user
            )
        return self._detail(submission, status_code=200 if existed else 201)

    def _indicators(self, submission: Submission) -> dict[str, Indicator]:
        return {indicator.code: indicator for indicator, _answer in self._answers(submission)}

    @staticmethod
    def _stored(submission: Submission) -> dict[int, Answer]:
        return {a.indicator_id: a for a in Answer.objects.filter(submission=submission)}

    @extend_schema(
        summary="Save the unit's values (a draft, or the indicators reopened after a return)",
        description=(
            "Officers of the unit. Each item names an indicator; the value fields it leaves out "
            "keep their stored value, null empties one. Values are checked as on the form; "
            "nothing is saved unless every item is valid."
        ),
        request=s.AnswersUpdateSerializer,
        responses={200: s.SubmissionDetailSerializer, **error_responses(*ACTION_ERRORS)},
        examples=[
            OpenApiExample(
                "A rate and a yes/no",
                request_only=True,
                value={
                    "answers": [
                        {"indicator": "I.1", "numerator": 40, "denominator": 50},
                        {"indicator": "I.3", "value_yes": True, "note": "Quyết định số 12"},
                    ]
                },
            )
        ],
    )
    @action(detail=True, methods=["patch"])
    def answers(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        self._as_officer(submission)
        body = s.AnswersUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if workflow.editable_indicator_ids(submission) == set():
            raise Conflict(
                _("This submission is %(status)s and can no longer be changed.")
                % {"status": submission.get_status_display().lower()}
            )
        values = checked_answers(
            body.validated_data["answers"],
            indicators=self._indicators(submission),
            stored=self._stored(submission),
        )
        with service_errors():
            workflow.save_answers(submission=submission, actor=request.user, values=values)
        return self._detail(submission)

    @extend_schema(
        summary="Add evidence to an answer: a file (multipart) or a link",
        description=(
            "Officers of the unit, while the indicator may be changed. Files are checked by "
            "content (PDF, PNG, JPEG, WebP, DOCX, XLSX) and size, as on the form."
        ),
        request={
            "multipart/form-data": s.EvidenceInputSerializer,
            "application/json": s.EvidenceInputSerializer,
        },
        responses={201: s.EvidenceSerializer, **error_responses(*ACTION_ERRORS)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="evidence",
        parser_classes=[MultiPartParser, JSONParser],
    )
    def add_evidence(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        self._as_officer(submission)
        body = s.EvidenceInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = body.validated_data["indicator"]
        indicator = self._indicators(submission).get(code)
        if indicator is None:
            raise exceptions.ValidationError({"indicator": [unknown_indicator(code)]})
        with service_errors():
            evidence = workflow.add_evidence(
                submission=submission,
                indicator=indicator,
                actor=request.user,
                upload=body.validated_data.get("file"),
                link=body.validated_data.get("link") or "",
                max_bytes=settings.EVIDENCE_MAX_BYTES,
            )
        evidence = Evidence.objects.select_related("answer__indicator").get(pk=evidence.pk)
        data = s.EvidenceSerializer(evidence, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove evidence from an answer",
        description="Officers of the unit, while the indicator may be changed.",
        parameters=[OpenApiParameter("evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=None,
        responses={204: OpenApiResponse(description="Removed."), **error_responses(*ACTION_ERRORS)},
    )
    @action(detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_id>[^/.]+)")
    def remove_evidence(
        self, request: Request, pk: str | None = None, evidence_id: str | None = None
    ) -> Response:
        submission = self.get_object()
        self._as_officer(submission)
        key = natural_key_lookup(str(evidence_id), digits=True)
        evidence = (
            Evidence.objects.filter(pk=key, answer__submission=submission)
            .select_related("answer__submission", "answer__indicator")
            .first()
        )
        if evidence is None:
            raise exceptions.NotFound(_("No such evidence in this submission."))
        with service_errors():
            workflow.remove_evidence(evidence=evidence, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Submit (or resubmit after a return)",
        description=(
            "Officers of the unit. Refused while something is missing (`errors` lists each "
            "indicator's missing answer or evidence) and, for a draft, after the deadline."
        ),
        request=s.VersionSerializer,
        responses={200: s.SubmissionDetailSerializer, **error_responses(*ACTION_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        submission = self.get_object()
        self._as_officer(submission)
        body = s.VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        missing = workflow.readiness(submission)
        try:
            with service_errors():
                workflow.submit_submission(
                    submission=submission,
                    actor=request.user,
                    expected_version=body.validated_data["version"],
                )
        except exceptions.ValidationError as exc:
            if missing and isinstance(exc.detail, dict):
                exc.detail |= {item.indicator.code: [item.what] for item in missing}
            raise
        return self._detail(submission)

    # -- the reviewer's actions --------------------------------------------------------------------

    def _review(self, request: Request, decision: str, body_class: type[Serializer]) -> Response:
        submission = self.get_object()
        self._as_reviewer(submission)
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        corrections, reopen = checked_corrections(
            data.get("corrections", []),
            indicators=self._indicators(submission),
            stored=self._stored(submission),
        )
        with service_errors():
            workflow.review_submission(
                submission=submission,
                actor=request.user,
                expected_version=data["version"],
                corrections=corrections,
                decision=decision,
                reason=data.get("reason", ""),
                reopen=reopen,
            )
        return self._detail(submission)

    @extend_schema(
        summary="Save the reviewer's corrections",
        description=(
            "Reviewers of the block (admins too), on a submitted self-assessment. Each item sets "
            "the reviewer's state of one indicator as the review page does: a value (none: the "
            "unit's stands), the reason a changed value needs, a comment to the unit."
        ),
        request=s.ReviewActionSerializer,
        responses={200: s.SubmissionDetailSerializer, **error_responses(*ACTION_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def corrections(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, "save", s.ReviewActionSerializer)

    @extend_schema(
        summary="Return for revision",
        description=(
            "Save the corrections given, then return the submission with a reason; the "
            "indicators marked `reopen` are reopened, each with its comment (at least one)."
        ),
        request=s.ReturnSerializer,
        responses={200: s.SubmissionDetailSerializer, **error_responses(*ACTION_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_revision(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, "return", s.ReturnSerializer)

    @extend_schema(
        summary="Approve",
        description="Save the corrections given, then approve: the submission is locked.",
        request=s.ReviewActionSerializer,
        responses={200: s.SubmissionDetailSerializer, **error_responses(*ACTION_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, "approve", s.ReviewActionSerializer)
