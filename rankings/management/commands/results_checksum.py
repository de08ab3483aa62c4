"""The manifest of a backup: row counts of every table and a checksum of every period's results.

``scripts/backup`` writes it beside the dump; ``scripts/restore`` computes it again on the
restored database and compares (``compare_manifests``), so a restore that lost or changed a row
is caught. The same code serves both, and this command prints it for any database:

    manage.py results_checksum                         # JSON manifest of the configured database
    manage.py results_checksum --media                 # … with a summary of MEDIA_ROOT's files
    manage.py results_checksum --compare backups/20260101T000000Z/manifest.json

A period's checksum is a sha256 over its results sorted by unit code, each as the unit and block
codes, the group scores, total, maximum, index, percent, grade, rank, rank change, why not ranked,
the explanation (canonical JSON) and when it was scored (UTC). Working results (``Result``) are
summed per year, published ones (``PublishedResult``) per year and version ("2014 v1").
Numbers are written normalised (12.50 → "12.5"), so the sum does not depend on how a backend
returns a decimal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from rankings.models import PublishedResult, Result

MANIFEST_FORMAT = 1
RESULT_FIELDS = (
    "unit__code",
    "block__code",
    "group_i",
    "group_ii",
    "group_iii",
    "group_iv",
    "total",
    "maximum",
    "index",
    "percent",
    "grade",
    "rank",
    "rank_change",
    "not_ranked_reason",
    "explanation",
    "scored_at",
)


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def _digest(rows: Iterable[tuple]) -> tuple[int, str]:
    """How many rows, and the sha256 of their canonical JSON (one line per row)."""
    digest = hashlib.sha256()
    count = 0
    for row in rows:
        line = json.dumps(
            [_canonical(value) for value in row],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest.update(line.encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _grouped(rows: Iterable[tuple]) -> Iterator[tuple[str, list[tuple]]]:
    """(key, rows) for rows whose first element is the key, already ordered by it."""
    key: str | None = None
    bucket: list[tuple] = []
    for row in rows:
        if row[0] != key:
            if key is not None:
                yield key, bucket
            key, bucket = row[0], []
        bucket.append(row[1:])
    if key is not None:
        yield key, bucket


def result_checksums(using: str = DEFAULT_DB_ALIAS) -> dict[str, dict[str, dict[str, Any]]]:
    """{"results": {"2014": {"rows", "sha256"}}, "published_results": {"2014 v1": {…}}}."""
    working = (
        Result.objects.using(using)
        .order_by("period__year", "unit__code")
        .values_list("period__year", *RESULT_FIELDS)
    )
    published = (
        PublishedResult.objects.using(using)
        .order_by("period__year", "publication__version", "unit__code")
        .values_list("period__year", "publication__version", *RESULT_FIELDS)
    )
    checksums: dict[str, dict[str, dict[str, Any]]] = {"results": {}, "published_results": {}}
    for year, rows in _grouped((str(row[0]), *row[1:]) for row in working):
        count, sha = _digest(rows)
        checksums["results"][year] = {"rows": count, "sha256": sha}
    for key, rows in _grouped((f"{row[0]} v{row[1]}", *row[2:]) for row in published):
        count, sha = _digest(rows)
        checksums["published_results"][key] = {"rows": count, "sha256": sha}
    return checksums


def table_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Every table of the database (Django's and any other) → its number of rows."""
    connection = connections[using]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor, include_views=False))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    """The regular files under ``root`` (relative paths, sorted); none when it does not exist."""
    if not root.is_dir():
        return []
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root))
    return sorted(found)


def media_summary(entries: Iterable[tuple[str, int, str]]) -> dict[str, Any]:
    """{"files", "bytes", "sha256"} over (relative path, size, sha256 of the content) entries."""
    digest = hashlib.sha256()
    files = size = 0
    for name, length, sha in sorted(entries):
        digest.update(f"{name}\t{length}\t{sha}\n".encode())
        files += 1
        size += length
    return {"files": files, "bytes": size, "sha256": digest.hexdigest()}


def media_summary_of(root: Path) -> dict[str, Any]:
    return media_summary(
        (str(rel), (root / rel).stat().st_size, file_sha256(root / rel))
        for rel in media_files(root)
    )


def database_kind(using: str = DEFAULT_DB_ALIAS) -> str:
    return connections[using].vendor  # "postgresql" or "sqlite"


def build_manifest(
    using: str = DEFAULT_DB_ALIAS, *, media_root: Path | None = None
) -> dict[str, Any]:
    """What a backup of this database holds. Call it inside the snapshot that was dumped."""
    connection = connections[using]
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {
            "kind": database_kind(using),
            "name": Path(str(connection.settings_dict["NAME"])).name,
        },
        "tables": table_counts(using),
        **result_checksums(using),
    }
    if media_root is not None:
        manifest["media"] = media_summary_of(media_root)
    return manifest


def compare_manifests(
    expected: dict[str, Any], actual: dict[str, Any], *, media: bool = True
) -> tuple[bool, list[str]]:
    """Whether ``actual`` holds what ``expected`` describes, and the comparison, line by line."""
    lines = [f"{'table':<44} {'backup':>10} {'restored':>10}"]
    problems = 0
    tables = sorted(set(expected["tables"]) | set(actual["tables"]))
    for name in tables:
        want, got = expected["tables"].get(name), actual["tables"].get(name)
        ok = want == got
        problems += not ok
        shown = ["—" if n is None else f"{n:,}" for n in (want, got)]
        lines.append(f"{name:<44} {shown[0]:>10} {shown[1]:>10}  {'ok' if ok else 'MISMATCH'}")
    lines.append("")
    lines.append(f"{'results (period / version)':<28} {'rows':>6}  {'sha256 (backup)':<16}  check")
    for section, label in (("results", "results"), ("published_results", "published")):
        want_all, got_all = expected.get(section, {}), actual.get(section, {})
        for key in sorted(set(want_all) | set(got_all)):
            want, got = want_all.get(key), got_all.get(key)
            ok = want == got
            problems += not ok
            rows = "—" if want is None else str(want["rows"])
            sha = "—" if want is None else want["sha256"][:16]
            verdict = "ok"
            if not ok:
                verdict = "MISSING" if got is None else "MISMATCH"
                if got is not None:
                    verdict += f" (restored: {got['rows']} rows, {got['sha256'][:16]})"
            lines.append(f"{label + ' ' + key:<28} {rows:>6}  {sha:<16}  {verdict}")
    if media and "media" in expected:
        want, got = expected["media"], actual.get("media")
        ok = want == got
        problems += not ok
        lines.append("")
        detail = (
            "" if ok or got is None else f" (restored: {got['files']} files, {got['bytes']:,} B)"
        )
        lines.append(
            f"media: {want['files']} files, {want['bytes']:,} bytes, "
            f"sha256 {want['sha256'][:16]}  {'ok' if ok else 'MISMATCH' + detail}"
        )
    checks = len(tables) + sum(
        len(set(expected.get(s, {})) | set(actual.get(s, {})))
        for s in ("results", "published_results")
    )
    lines.append("")
    if problems:
        lines.append(f"FAILED: {problems} of the checks above do not match the backup.")
    else:
        lines.append(
            f"All match: {len(tables)} tables' row counts, "
            f"{checks - len(tables)} result checksums"
            + (", media files." if media and "media" in expected else ".")
        )
    return problems == 0, lines


class Command(BaseCommand):
    help = (
        "Print the backup manifest of the database: row counts of every table and a sha256 of "
        "every period's results (working and each published version); --compare checks the "
        "database against a backup's manifest.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--media", action="store_true", help="add a summary of the files under MEDIA_ROOT"
        )
        parser.add_argument("--output", type=Path, help="a file to write (default: stdout)")
        parser.add_argument(
            "--compare",
            type=Path,
            metavar="MANIFEST",
            help="compare with this manifest.json; exit status 1 when anything differs",
        )

    def handle(
        self,
        *args: object,
        database: str,
        media: bool,
        output: Path | None,
        compare: Path | None,
        **options: object,
    ) -> None:
        if compare is not None:
            try:
                expected = json.loads(compare.read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the manifest {compare}: {exc}") from None
            with_media = media or "media" in expected
            actual = build_manifest(
                database, media_root=Path(settings.MEDIA_ROOT) if with_media else None
            )
            ok, lines = compare_manifests(expected, actual, media=with_media)
            self.stdout.write("\n".join(lines))
            if not ok:
                raise CommandError("The database does not match the manifest.", returncode=1)
            return
        manifest = build_manifest(database, media_root=Path(settings.MEDIA_ROOT) if media else None)
        text = json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text)
