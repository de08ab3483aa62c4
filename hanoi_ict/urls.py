from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from rankings.views import healthz, readyz

admin.site.site_header = _("Hanoi IT application ranking — administration")
admin.site.site_title = _("IT application ranking")
admin.site.index_title = _("Steering Committee administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # The public pages take their language from the URL (``/`` Vietnamese, ``/en/`` English),
    # so shared caches can key on it; see assessments.middleware.LanguageMiddleware. They come
    # first, as most requests are theirs: each pattern before them is tried and fails on every
    # public request (and again for its other language's link). No path below overlaps them.
    *i18n_patterns(
        path("", include("rankings.urls")),
        path("", include("awards.urls")),
        prefix_default_language=False,
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("hanoi_ict.api_urls")),
    path("", include("assessments.urls")),
]
