"""Proof that a request wrote nothing: no INSERT, UPDATE or DELETE reached the database.

Capturing the statements is exact and cheap (a fingerprint of every table costs a query per
table per request). ``attempted`` is stricter than comparing rows: the access matrix demands
that a refused request does not even try to write; ``statements`` leaves out writes undone by a
rolled-back savepoint (a service that checks after its first write), which is what "nothing
written" means for hostile input. Sessions (``force_login``, the session middleware) and
django-axes' login records are not the portal's data and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)"?',
    re.IGNORECASE,
)
NOT_PORTAL_DATA = frozenset(
    {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}
)


_SAVEPOINT = re.compile(
    r'^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+"?(\w+)"?', re.IGNORECASE
)


def written_tables(sql_statements: list[str]) -> tuple[list[str], list[str]]:
    """The write statements among ``sql_statements`` on the portal's tables (shortened): all
    that were sent, and those that were kept (not undone by a ROLLBACK TO SAVEPOINT: a service
    that validates after its first write and rolls back its atomic block wrote nothing)."""
    attempted: list[str] = []
    kept: list[str] = []
    savepoints: list[tuple[str, int]] = []
    for sql in sql_statements:
        if marker := _SAVEPOINT.match(sql):
            verb, name = marker.group(1).upper(), marker.group(2)
            if verb == "SAVEPOINT":
                savepoints.append((name, len(kept)))
                continue
            while savepoints:
                opened, position = savepoints.pop()
                if opened == name:
                    if verb == "ROLLBACK TO SAVEPOINT":
                        del kept[position:]
                    break
            continue
        match = _WRITE.match(sql)
        if match and match.group(1).lower() not in NOT_PORTAL_DATA:
            attempted.append(sql[:200])
            kept.append(sql[:200])
    return attempted, kept


def media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return set()
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


class Writes:
    """What a block of code wrote: ``statements`` kept (SQL not rolled back), ``attempted``
    (every write sent, even if rolled back), and ``files`` (new under MEDIA_ROOT). True when
    something was kept."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.attempted: list[str] = []
        self.files: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self.statements or self.files)

    def __str__(self) -> str:
        return "\n".join([*self.statements, *(f"file {name}" for name in sorted(self.files))])


@contextmanager
def recording_writes() -> Iterator[Writes]:
    """Record the portal's database writes and new media files made inside the block."""
    writes = Writes()
    before = media_files()
    queries = CaptureQueriesContext(connection)
    try:
        with queries:
            yield writes
    finally:  # recorded also when the block raises (a refusal)
        sql = [query["sql"] for query in queries.captured_queries]
        writes.attempted, writes.statements = written_tables(sql)
        writes.files = media_files() - before


@contextmanager
def nothing_written(what: str = "") -> Iterator[None]:
    """Fail if the block writes to the portal's tables or adds a file under MEDIA_ROOT."""
    with recording_writes() as writes:
        yield
    assert not writes, f"{what} wrote:\n{writes}"
