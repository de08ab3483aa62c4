from django.urls import path

from rankings import views

app_name = "rankings"

urlpatterns = [
    path("", views.home, name="home"),
    path("manage/periods/<int:year>/scoring/", views.period_scoring, name="scoring"),
    path("manage/periods/<int:year>/scoring/run/", views.run_scoring, name="run_scoring"),
    path(
        "manage/periods/<int:year>/results/<slug:unit_code>/",
        views.result_explanation,
        name="result_explanation",
    ),
]
