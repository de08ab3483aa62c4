from __future__ import annotations

from functools import lru_cache

from django import template
from django.template import Context, Template, TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import translate_url
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rankings import block_table, charts

register = template.Library()


@register.filter
def plain(value: object) -> str:
    """A number without trailing zeros, localised: 80.00 → "80", 2.50 → "2,5" in Vietnamese."""
    return charts.plain(value)


@register.simple_tag
def rank_change(change: int | None) -> SafeString:
    """▲ 2 / ▼ 1 / = / –, with a spoken title: as in the block page's table."""
    return mark_safe(block_table.rank_change_html(change))  # escaped there


@register.simple_tag(takes_context=True)
def translated_url(context: Context, language: str) -> str:
    """The current page in ``language`` (``/en/…`` ↔ ``/…``), query string kept.

    The page's own language is its own address; another is translated once per request (a page
    links it twice: ``hreflang`` in the head, and the language switch).
    """
    request = context["request"]
    path = request.get_full_path()
    if language == get_language():
        return path
    known: dict[str, str] = request.__dict__.setdefault("_translated_urls", {})
    if language not in known:
        known[language] = translate_url(path, language)
    return known[language]


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
