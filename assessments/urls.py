from django.urls import path

from assessments.views import officer, review

app_name = "assessments"

urlpatterns = [
    path("my/", officer.dashboard, name="dashboard"),
    path("my/<slug:unit_code>/<int:year>/", officer.submission_form, name="submission"),
    path(
        "my/<slug:unit_code>/<int:year>/answers/<int:indicator_id>/",
        officer.autosave,
        name="autosave",
    ),
    path("my/<slug:unit_code>/<int:year>/submit/", officer.submit, name="submit"),
    path(
        "my/<slug:unit_code>/<int:year>/workbook.xlsx",
        officer.workbook_download,
        name="workbook",
    ),
    path(
        "my/<slug:unit_code>/<int:year>/workbook/",
        officer.workbook_upload,
        name="workbook_upload",
    ),
    path("evidence/<int:pk>/", officer.evidence_download, name="evidence"),
    path("review/", review.queue, name="review_queue"),
    path("review/<int:pk>/", review.review_submission, name="review"),
    path("review/<int:pk>/corrections/", review.save_corrections, name="review_save"),
    path("review/<int:pk>/return/", review.return_submission, name="review_return"),
    path("review/<int:pk>/approve/", review.approve_submission, name="review_approve"),
    path("review/<int:pk>/reopen/", review.reopen_submission, name="review_reopen"),
    path("notifications/", review.notifications, name="notifications"),
]
