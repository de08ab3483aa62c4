from __future__ import annotations

from functools import lru_cache

from django import template
from django.http import HttpRequest
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, translate_url
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, override

from rankings import block_table, charts, public

register = template.Library()


@register.filter
def plain(value: object) -> str:
    """A number without trailing zeros, localised: 80.00 → "80", 2.50 → "2,5" in Vietnamese."""
    return charts.plain(value)


@register.simple_tag
def rank_change(change: int | None) -> SafeString:
    """▲ 2 / ▼ 1 / = / –, with a spoken title: as in the block page's table."""
    return mark_safe(block_table.rank_change_html(change))  # escaped there


@register.simple_tag
def public_url(viewname: str, *args: str | int, **kwargs: str | int) -> str:
    """``{% url %}`` for the public pages' links, each worked out once per process and
    language (``rankings.public.public_url``)."""
    return public.public_url(viewname, *args, **kwargs)


@register.simple_tag(takes_context=True)
def translated_url(context: Context, language: str) -> str:
    """The current page in ``language`` (``/en/…`` ↔ ``/…``), query string kept.

    The page's own language is its own address; another is worked out once per request (a page
    links it twice: ``hreflang`` in the head, and the language switch).
    """
    request = context["request"]
    path = request.get_full_path()
    if language == get_language():
        return path
    known: dict[str, str] = request.__dict__.setdefault("_translated_urls", {})
    if language not in known:
        known[language] = _in_language(request, path, language)
    return known[language]


def _in_language(request: HttpRequest, path: str, language: str) -> str:
    """``path`` in ``language``: the URL pattern that matched this request, reversed in it.

    What Django's ``translate_url`` does, without resolving the path a second time, and with
    the address kept (``public_url``): on the uncached block page, ``translate_url`` cost
    ~0.3 ms of ~6. Where no pattern matched (an error page), ``translate_url`` itself.
    """
    match = request.resolver_match
    if match is None or not match.url_name:
        return translate_url(path, language)
    with override(language):
        try:
            url = public.public_url(match.view_name, *match.args, **match.kwargs)
        except (NoReverseMatch, TypeError):
            return translate_url(path, language)
    _, question, query = path.partition("?")
    return url + question + query


@lru_cache(maxsize=64)
def _optional(name: str) -> Template | None:
    try:
        return get_template(name)  # type: ignore[return-value]
    except TemplateDoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def optional_include(context: Context, name: str) -> SafeString:
    """Render ``name`` with the page's context if another app provides it, else nothing.

    The awards app adds its public sections this way (``awards/_public_period.html``,
    ``awards/_public_unit.html``) without the rankings templates knowing about awards.
    """
    found = _optional(name)
    if found is None:
        return mark_safe("")
    return mark_safe(found.render(context.flatten(), context.get("request")))
