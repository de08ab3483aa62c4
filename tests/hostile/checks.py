"""What every hostile input must get: an answer that refuses it with a message, never a 500,
and nothing written (no row, no file).

"A message" is, by kind of answer: JSON with a non-empty ``detail`` (the API); an HTML page with
an error beside a field or an error message at the top (``role="alert"``, ``class="message
error"``); Django's error page for 404; a management command's ``CommandError`` text; a
service's exception message. The officer's form re-renders with 200 and its errors (the
view's choice: "no data lost on a failed validation"); the other forms answer 4xx.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.access.writes import Writes, recording_writes


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    """An uploaded file named exactly ``name`` (Django's own classes would cut it to its base
    name, which hides what the checks do with a path)."""
    file = SimpleUploadedFile("x", data, content_type=content_type)
    file._name = name  # type: ignore[attr-defined]
    return file


BOUNDARY = "----hostile-boundary-7MA4YWxkTrZu0gW"


def multipart(fields: Mapping[str, str], files: Mapping[str, tuple[str, bytes]]) -> bytes:
    """A multipart body written by hand, so a file name reaches the server exactly as given
    (the test client would take its base name)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + str(value).encode()
        + b"\r\n"
        for name, value in fields.items()
    ]
    for field, (filename, content) in files.items():
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        head = (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode("utf-8", "surrogatepass") + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def shows_an_error(response) -> bool:
    """The page carries an error the user can read."""
    body = response.content.decode("utf-8", "replace")
    return 'role="alert"' in body or 'class="message error"' in body or "errorlist" in body


def json_detail(response) -> str:
    try:
        data = json.loads(response.content)
    except ValueError:
        return ""
    return str(data.get("detail", "")) if isinstance(data, dict) else ""


def error_messages(response) -> list[str]:
    """The flash messages of level error the request left (shown after its redirect)."""
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


def refused(response, *statuses: int) -> str:
    """Assert ``response`` refuses with a message (statuses: the accepted ones); return why not
    as a message, or "" when it does."""
    if response.status_code >= 500:
        return f"{response.status_code}: a server error"
    if statuses and response.status_code not in statuses:
        return f"{response.status_code}, expected one of {statuses}"
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        return "" if json_detail(response) else "JSON without a detail"
    if response.status_code == 302:
        return "" if error_messages(response) else "a redirect without an error message"
    if response.status_code == 404:
        return ""  # Django's 404 page says so (templates/404.html)
    return "" if shows_an_error(response) else "no error shown on the page"


@contextmanager
def rolled_back() -> Iterator[Writes]:
    """Record what the block writes and undo it, so the next example starts from the same data."""
    with transaction.atomic(), recording_writes() as writes:
        yield writes
        transaction.set_rollback(True)


def describe(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} chars)"
