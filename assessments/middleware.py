from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class LanguageMiddleware:
    """Vietnamese unless the URL or, on working pages, the language switch's cookie says otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most officials'
    browsers say English; the portal is Vietnamese first (DESIGN.md §5).

    - A language prefix in the URL (``/en/…``, from ``i18n_patterns``) decides; URLs are resolved
      in that language, or in Vietnamese when there is no prefix.
    - Public pages (views marked ``public_page``) take their language from the URL only, so a
      shared cache can key on the URL: ``/`` is always Vietnamese, ``/en/`` always English.
    - Other pages (officers, reviewers, admin) follow the cookie set by the language switch.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from_path = translation.get_language_from_path(request.path_info)
        request.language_from_path = from_path  # type: ignore[attr-defined]
        self._activate(request, from_path or settings.LANGUAGE_CODE)
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        if request.language_from_path or getattr(view_func, "public_page", False):  # type: ignore[attr-defined]
            return
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.supported and chosen != request.LANGUAGE_CODE:
            self._activate(request, chosen)

    @staticmethod
    def _activate(request: HttpRequest, language: str) -> None:
        translation.activate(language)
        request.LANGUAGE_CODE = language
