"""The REST API under /api/v1/: the apps' viewsets, the token endpoint, the OpenAPI schema and
its interactive documentation (served from the portal's own static files, no CDN)."""

from django.conf import settings
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from assessments.api.submissions import SubmissionViewSet
from assessments.api.tokens import ObtainTokenView
from awards.api import AwardViewSet
from rankings.api import (
    BlockViewSet,
    FrameworkViewSet,
    PeriodViewSet,
    ResultViewSet,
    UnitViewSet,
)

app_name = "api"

router = SimpleRouter()
# Public, read-only: published data only.
router.register("periods", PeriodViewSet, basename="period")
router.register("blocks", BlockViewSet, basename="block")
router.register("units", UnitViewSet, basename="unit")
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("results", ResultViewSet, basename="result")
router.register("awards", AwardViewSet, basename="award")
# Logged in (session with CSRF, or token): scoped exactly as the pages.
router.register("submissions", SubmissionViewSet, basename="submission")

# Swagger UI, from the portal's static files: its script is a file (the split view), so the
# site's policy holds but for the page's one inline <style>.
docs = csp_override(
    {**getattr(settings, "SECURE_CSP", {}), "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}
)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", ObtainTokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
]
