"""Awards URLs (under ``i18n_patterns``): public verification, and the admins' pages."""

from django.urls import path

from awards import views

app_name = "awards"

urlpatterns = [
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("manage/periods/<int:year>/awards/", views.review, name="review"),
    path("manage/periods/<int:year>/awards/propose/", views.propose, name="propose"),
    path("manage/periods/<int:year>/awards/decision/", views.update_decision, name="decision"),
    path("manage/periods/<int:year>/awards/rules/<int:pk>/", views.update_rule, name="rule"),
    path("manage/periods/<int:year>/awards/add/", views.add, name="add"),
    path("manage/periods/<int:year>/awards/confirm-all/", views.confirm_all, name="confirm_all"),
    path("manage/periods/<int:year>/awards/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("manage/periods/<int:year>/awards/<int:pk>/reject/", views.reject, name="reject"),
    path("manage/periods/<int:year>/awards/<int:pk>/issue/", views.issue, name="issue"),
    path("manage/periods/<int:year>/awards/report.pdf", views.report, name="report"),
    path("manage/periods/<int:year>/certificates/", views.start_batch, name="start_batch"),
    path("manage/periods/<int:year>/certificates/<int:pk>/", views.batch, name="batch"),
    path(
        "manage/periods/<int:year>/certificates/<int:pk>/<str:kind>/",
        views.batch_file,
        name="batch_file",
    ),
    path("manage/certificates/<int:pk>.pdf", views.certificate_pdf, name="certificate"),
    path("manage/certificates/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("manage/certificates/<int:pk>/reissue/", views.reissue, name="reissue"),
]
