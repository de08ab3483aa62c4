"""Parsers of the API's request bodies (``DEFAULT_PARSER_CLASSES``; kept apart from the views,
which DRF's settings import)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with 400 a body nested too deep for Python to decode (DRF
    catches only ``ValueError``; ``json`` raises ``RecursionError`` past ~1,000 levels)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None
