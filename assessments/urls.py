from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("my/", views.dashboard, name="dashboard"),
    path("my/<slug:unit_code>/<int:year>/", views.submission_form, name="submission"),
    path(
        "my/<slug:unit_code>/<int:year>/answers/<int:indicator_id>/",
        views.autosave,
        name="autosave",
    ),
    path("my/<slug:unit_code>/<int:year>/submit/", views.submit, name="submit"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
