"""What makes a page public: no session or cookie, its language from the URL, and caching.

``public_page`` wraps a view so that

- the language middleware ignores the language cookie (``/`` is Vietnamese, ``/en/`` English);
- the header shows the public variant, and nothing reads the session (no ``Vary: Cookie``);
- the answer carries an ETag made from the current publications and the language, and a request
  that already has it gets ``304 Not Modified`` (``django.views.decorators.http.condition``);
- ``Cache-Control: public, max-age=300`` lets browsers and shared caches keep it;
- the rendered page is kept in Django's cache under a key made of the same publication state,
  the language, the path and the query parameters the page reads (others, such as tracking tags,
  share the page's entry): a new published version changes the key, so nothing stale is ever
  served and nothing needs purging. ``PUBLIC_PAGE_CACHE=false`` turns this server-side copy off
  (e.g. behind a caching proxy, or to measure rendering); ETags and 304 answers remain.

The publication state (``current_publication_token``, one small query) is kept for 5 seconds in
the cache, so a cached page costs no query at all; publishing clears it, so the publishing server
(and every server, with a shared cache such as Redis) shows a new version at once, and servers
with a per-process cache within 5 seconds. The ETag and
the key also carry ``RELEASE``, a digest of the templates and code that render the pages, so a
deploy that changes them is not answered with an old page. With ``DEBUG`` on (development), pages
are neither kept nor answered with 304, so template edits show at once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.views.decorators.http import condition, require_safe

from rankings.models import Publication
from rankings.selectors import current_publication_token, publication_of

MAX_AGE = 300
# Rendered pages live this long in the server's cache; a new version changes their key anyway.
SERVER_CACHE_SECONDS = 60 * 60
CACHED_HEADERS = ("Content-Type", "Content-Disposition")

# Other apps whose public content changes without a new publication (e.g. awards confirmed
# later) add a function here that returns a short text describing their current state.
STATE_SOURCES: list[Callable[[], str]] = []


def _release() -> str:
    """A digest of the files that render public pages (names, sizes, modification times)."""
    roots = [Path(settings.BASE_DIR) / "templates", Path(__file__).resolve().parent]
    stats = sorted(
        f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
        for root in roots
        for path in root.rglob("*")
        if path.suffix in {".html", ".py", ".svg"} and (stat := path.stat())
    )
    return hashlib.sha256("\n".join(stats).encode()).hexdigest()[:12]


RELEASE = _release()


STATE_KEY = "public-state"
# How long an app server trusts the publication state it read; ``forget_public_state`` (called
# by ``publish_period``) clears it at once in the publishing process and in a shared cache.
STATE_SECONDS = 5


def forget_public_state() -> None:
    cache.delete(STATE_KEY)


def public_state(request: HttpRequest) -> str:
    """The publication state of this request: which versions are current (and the release)."""
    state = getattr(request, "_public_state", None)
    if state is None:
        state = cache.get(STATE_KEY)
        if state is None:
            state = "|".join(
                [RELEASE, current_publication_token(), *(source() for source in STATE_SOURCES)]
            )
            cache.set(STATE_KEY, state, STATE_SECONDS)
        request._public_state = state  # type: ignore[attr-defined]
    return state


def published_version(
    request: HttpRequest, year: int, version: int | None = None
) -> Publication | None:
    """``selectors.publication_of`` for a public page, without a query most of the time.

    Which version of a period is current changes only with the publication state, so the
    answer is kept per process under that state (itself one small query every few seconds):
    a new publication changes the state, and the next request looks again.
    """
    return _published_version(public_state(request), year, version)


@functools.lru_cache(maxsize=256)
def _published_version(state: str, year: int, version: int | None) -> Publication | None:
    return publication_of(year, version)


def public_url(viewname: str, *args: str | int, **kwargs: str | int) -> str:
    """``reverse(viewname, args=args, kwargs=kwargs)``, kept per process: the public links.

    Django works a link out again each time (its patterns, converters, quoting): about 60 µs a
    link here, and the uncached block page has a dozen. The answer depends only on the name,
    the arguments, the active language (the ``/en/`` prefix), the URLconf and the script
    prefix, all of which make the key; arguments are text or whole numbers, whose address
    cannot change while the process runs. A name that does not reverse raises, as ``reverse``.
    """
    values = (*args, *kwargs.values())
    if not all(isinstance(value, str | int) and not isinstance(value, bool) for value in values):
        raise TypeError(f"public_url takes text and whole numbers, not {values!r}.")
    return _public_url(
        viewname,
        args,
        tuple(sorted(kwargs.items())),
        get_language() or settings.LANGUAGE_CODE,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )


@functools.lru_cache(maxsize=4096)
def _public_url(
    viewname: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    language: str,
    urlconf: str,
    prefix: str,
) -> str:
    # ``language`` and ``prefix`` only make the key: ``reverse`` reads them where they are set.
    return reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# The query parameters public pages read; any other (tracking tags, cache busters) renders the
# same page, so it shares that page's cache entry instead of filling the cache with copies.
PAGE_PARAMETERS = ("code", "q", "sort", "version")


def _page(request: HttpRequest) -> str:
    """The path and the parameters that select what a public page shows, in a fixed order."""
    chosen = [(name, request.GET.get(name, "")) for name in PAGE_PARAMETERS if name in request.GET]
    return request.path + "?" + urlencode(chosen)


def _etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    return _digest(get_language() or "", public_state(request))


def public_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Make ``view`` a public, cacheable page (see the module's docstring)."""

    def cached(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.PUBLIC_PAGE_CACHE:
            return view(request, *args, **kwargs)
        key = "public-page:" + _digest(get_language() or "", public_state(request), _page(request))
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            kept = HttpResponse(content)
            for name, value in headers.items():
                kept[name] = value
            return kept
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and isinstance(response, HttpResponse):
            headers = {name: response[name] for name in CACHED_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, headers), SERVER_CACHE_SECONDS)
        return response

    conditional = require_safe(condition(etag_func=_etag)(cached))
    uncached = require_safe(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.public_page = True  # type: ignore[attr-defined]
        if settings.DEBUG:
            response = uncached(request, *args, **kwargs)
        else:
            response = conditional(request, *args, **kwargs)
        if response.status_code in (200, 304):
            patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response

    wrapper.public_page = True  # type: ignore[attr-defined]
    return wrapper
