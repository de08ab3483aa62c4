"""The restore drill: back up the demo, restore it into an empty database, check every count and
every period's results checksum; a backup whose data was changed must fail the check.

Runs on the backend of the test run. PostgreSQL: the test database itself is backed up with
pg_dump and restored with pg_restore into ``<test database>_restore`` on the same server (made by
the restore, dropped at the end). SQLite: the in-memory test database is first copied to a file
(SQLite's backup API), which is backed up and restored into another file. The scripts run as an
operator runs them: ``scripts/backup`` and ``scripts/restore`` in a fresh Python process, with
DATABASE_URL and MEDIA_ROOT naming the source or the target.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX

from rankings.management.commands.results_checksum import build_manifest

# The mark makes pytest-django create the test database; the demo data itself is committed by
# ``demo_db`` (module scope), so the scripts' fresh processes see it.
pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(settings.BASE_DIR)
MEDIA_FILES = {  # what MEDIA_ROOT holds in the drill: evidence and an issued certificate
    "evidence/2015/so-thong-tin-va-truyen-thong/bien-ban.pdf": b"%PDF-1.7 evidence\n" * 50,
    "evidence/2015/quan-hoan-kiem/thong-ke.xlsx": bytes(range(256)) * 8,
    "certificates/2014/bang-khen-0001.pdf": "Bằng khen — Sở TT&TT\n".encode() * 30,
}


@dataclass
class Database:
    url: str
    media_root: Path
    name: str

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("PYTEST") and key not in {"DATABASE_URL", "MEDIA_ROOT"}
        }
        return {**env, "DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media_root)}


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def postgresql_url(name: str) -> str:
    db = connection.settings_dict
    credentials = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{db.get('HOST') or ''}{port}/{name}"


def server(sql: str) -> None:
    """Run one statement on the test run's PostgreSQL server, outside any database of ours."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def run(script: str, *args: str | Path, db: Database) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, f"scripts/{script}", *map(str, args)],
        cwd=PROJECT_ROOT,
        env=db.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(result.stdout, result.stderr, sep="\n")  # shown when a test fails
    return result


def execute(db: Database, sql: str) -> list[tuple]:
    """Run SQL on a drill database directly, as someone editing it behind the portal's back."""
    if db.url.startswith("sqlite"):
        with sqlite3.connect(db.name) as conn:
            rows = conn.execute(sql).fetchall()
        conn.close()
        return rows
    import psycopg

    with psycopg.connect(postgresql_url(db.name).replace("postgres://", "postgresql://")) as conn:
        return conn.execute(sql).fetchall()


def backup_dir(output: Path) -> Path:
    [made] = [path for path in output.iterdir() if not path.name.startswith(".")]
    return made


@pytest.fixture(scope="module", autouse=True)
def only_on_the_test_database(django_db_setup):
    """Before ``demo_db`` loads (and at the end flushes) anything: the test database or stop."""
    name = str(connection.settings_dict["NAME"])
    configured = connection.settings_dict.get("TEST", {}).get("NAME")
    if configured:
        is_test = name == str(configured)
    elif connection.vendor == "sqlite":
        is_test = connection.is_in_memory_db()
    else:
        is_test = name.startswith(TEST_DATABASE_PREFIX)
    if not is_test:
        pytest.fail(f"Not a test database: {name}. The drill writes only to test databases.")


@pytest.fixture(scope="module")
def source(demo_db, django_db_blocker, tmp_path_factory) -> Database:
    """The demo's committed data, where a fresh process can read it, and media files."""
    base = tmp_path_factory.mktemp("source")
    media_root = base / "media"
    for name, content in MEDIA_FILES.items():
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(content)
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        if is_postgresql():
            if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
                pytest.fail("The restore drill needs pg_dump and pg_restore (postgresql-client).")
            return Database(postgresql_url(name), media_root, name)
        path = base / "source.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(path)
        connection.connection.backup(copy)
        copy.close()
        return Database(f"sqlite:///{path}", media_root, str(path))


@pytest.fixture(scope="module")
def expected_manifest(source, django_db_blocker) -> dict:
    """The test database's own counts and checksums, computed in this process."""
    with django_db_blocker.unblock():
        return build_manifest()


@pytest.fixture(scope="module")
def backup(source, tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("backups")
    result = run("backup", "--output-dir", output, db=source)
    assert result.returncode == 0, result.stderr
    return backup_dir(output)


@pytest.fixture(scope="module")
def target(tmp_path_factory, django_db_blocker):
    """An empty database to restore into (and an empty MEDIA_ROOT)."""
    base = tmp_path_factory.mktemp("target")
    with django_db_blocker.unblock():
        if not is_postgresql():
            path = base / "restored.sqlite3"
            yield Database(f"sqlite:///{path}", base / "media", str(path))
            return
        name = f"{connection.settings_dict['NAME']}_restore"
        server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        yield Database(postgresql_url(name), base / "media", name)
        server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def restored(backup, target) -> subprocess.CompletedProcess:
    return run("restore", backup, db=target)


def test_the_manifest_describes_the_backed_up_database(backup, expected_manifest):
    manifest = json.loads((backup / "manifest.json").read_text())

    assert manifest["database"]["kind"] == connection.vendor
    assert manifest["tables"] == expected_manifest["tables"]
    assert manifest["results"] == expected_manifest["results"]
    assert manifest["published_results"] == expected_manifest["published_results"]
    # The demo: 2013 and 2014 scored and published once; every table the portal uses counted.
    assert set(manifest["results"]) == {"2013", "2014"}
    assert set(manifest["published_results"]) == {"2013 v1", "2014 v1"}
    working_rows = sum(summary["rows"] for summary in manifest["results"].values())
    assert working_rows == manifest["tables"]["rankings_result"]
    assert manifest["tables"]["assessments_answer"] > 0
    assert manifest["media"]["files"] == len(MEDIA_FILES)
    assert manifest["media"]["bytes"] == sum(map(len, MEDIA_FILES.values()))
    database_file = "database.dump" if is_postgresql() else "database.sqlite3"
    assert set(manifest["files"]) == {database_file, "media.tar.gz"}


def test_a_restore_into_an_empty_database_matches_every_count_and_checksum(
    restored, backup, target
):
    assert restored.returncode == 0, restored.stderr
    assert "All match" in restored.stdout
    assert "MISMATCH" not in restored.stdout
    for name, content in MEDIA_FILES.items():
        assert (target.media_root / name).read_bytes() == content


def test_a_restore_into_a_database_that_is_not_empty_is_refused(restored, backup, target):
    assert restored.returncode == 0

    again = run("restore", backup, db=target)

    assert again.returncode == 2
    assert "not empty" in again.stderr
    assert "--force" in again.stderr
    # Untouched: a second look, from the command an operator would use, in a fresh process.
    check = subprocess.run(
        [sys.executable, "manage.py", "results_checksum", "--compare", backup / "manifest.json"],
        cwd=PROJECT_ROOT,
        env={**target.env, "TESTING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "All match" in check.stdout


def test_a_backup_with_a_changed_result_row_fails_the_check(restored, backup, target, tmp_path):
    """A backup whose database holds one changed result, under the original manifest (the file
    checksums recomputed, as a careful forger would): the restore must report the period.
    The target holds the good restore (``restored``; the tests before leave it as it is)."""
    assert restored.returncode == 0
    [(year,)] = execute(
        target,
        "UPDATE rankings_result SET rank = rank + 100 WHERE id = (SELECT min(r.id) FROM "
        "rankings_result r JOIN assessments_period p ON p.id = r.period_id "
        "WHERE r.rank IS NOT NULL AND p.year = 2014) "
        "RETURNING (SELECT year FROM assessments_period WHERE id = period_id)",
    )
    assert year == 2014
    made = run("backup", "--output-dir", tmp_path, db=target)
    assert made.returncode == 0
    tampered = backup_dir(tmp_path)
    original = json.loads((backup / "manifest.json").read_text())
    files = json.loads((tampered / "manifest.json").read_text())["files"]
    (tampered / "manifest.json").write_text(json.dumps({**original, "files": files}))

    result = run("restore", "--force", tampered, db=target)

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("results 2014") and "MISMATCH" in line for line in lines)
    assert any(line.startswith("results 2013") and line.endswith("ok") for line in lines)
    assert any(line.startswith("rankings_result ") and line.endswith("ok") for line in lines)
    assert "FAILED: 1 of the checks" in result.stdout


def test_a_damaged_backup_file_is_refused_before_anything_is_restored(backup, target, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    database_file = damaged / ("database.dump" if is_postgresql() else "database.sqlite3")
    data = bytearray(database_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    database_file.write_bytes(bytes(data))

    result = run("restore", "--force", damaged, db=target)

    assert result.returncode == 1
    assert "damaged" in result.stderr
    assert "Restored" not in result.stdout
