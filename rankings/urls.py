"""The rankings URLs, all under ``i18n_patterns``: ``/…`` in Vietnamese, ``/en/…`` in English."""

from django.urls import path, register_converter

from rankings import views


class FileFormatConverter:
    regex = "csv|xlsx|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FileFormatConverter, "file_format")

app_name = "rankings"

urlpatterns = [
    # Public pages: no login, no cookies, cacheable.
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("units/<slug:unit_code>/", views.unit_page, name="unit"),
    path("results/<int:year>/", views.period_results_page, name="period"),
    path("results/<int:year>/methodology/", views.methodology, name="methodology"),
    path(
        "results/<int:year>/download.<file_format:file_format>",
        views.download,
        name="download",
    ),
    path("results/<int:year>/<slug:block_code>/", views.block_page, name="block"),
    path(
        "results/<int:year>/<slug:block_code>/download.<file_format:file_format>",
        views.download,
        name="block_download",
    ),
    # Steering admins.
    path("manage/periods/<int:year>/scoring/", views.period_scoring, name="scoring"),
    path("manage/periods/<int:year>/scoring/run/", views.run_scoring, name="run_scoring"),
    path("manage/periods/<int:year>/publish/", views.publish, name="publish"),
    path(
        "manage/periods/<int:year>/results/<slug:unit_code>/",
        views.result_explanation,
        name="result_explanation",
    ),
]
