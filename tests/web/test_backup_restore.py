"""``herald backup`` / ``herald restore``: one archive with the database, the media files and a
manifest; a round trip gives back the same rows and the same files, never over a database that
holds something unless asked to."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SECRET = "a-backup-test-secret-that-is-long-enough-123"
RUN = [sys.executable, "-c", "from web.cli import main; main()"]
MEDIA = {"ab/cd/abcd1234.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "ef/01/ef01.jpg": b"\xff\xd8\xff" + b"x" * 5000}  # fmt: skip


def _herald(environment: dict[str, str], *arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*RUN, *arguments], env=environment, cwd=cwd, capture_output=True, text=True, check=False
    )


def _environment(database_url: str, media: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HERALD_DATABASE_URL": database_url,
        "HERALD_MEDIA_ROOT": str(media),
        "HERALD_SECRET_KEY": SECRET,
    }


def _office(environment: dict[str, str], cwd: Path) -> None:
    """A schema, a person, and images under the media folder."""
    assert _herald(environment, "db", "upgrade", cwd=cwd).returncode == 0
    created = _herald(
        environment,
        "user", "create", "--email", "lan@example.gov.vn", "--name", "Nguyễn Thị Lan",
        "--role", "admin", "--password", "a-long-password-123",
        cwd=cwd,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    for name, content in MEDIA.items():
        path = Path(environment["HERALD_MEDIA_ROOT"]) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _people(database_url: str) -> list[tuple]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email, name, role FROM people ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _files(media: Path) -> dict[str, bytes]:
    return {
        p.relative_to(media).as_posix(): p.read_bytes() for p in media.rglob("*") if p.is_file()
    }


def _round_trip(source_url: str, target_url: str, tmp_path: Path) -> None:
    source = _environment(source_url, tmp_path / "media")
    target = _environment(target_url, tmp_path / "restored-media")
    _office(source, tmp_path)
    archive = tmp_path / "office.tar.gz"

    made = _herald(source, "backup", "--output", str(archive), cwd=tmp_path)

    assert made.returncode == 0, made.stderr
    assert "2 media files" in made.stdout
    with tarfile.open(archive) as contents:
        names = set(contents.getnames())
        manifest = json.load(contents.extractfile("manifest.json"))
    assert {f"media/{name}" for name in MEDIA} <= names
    assert manifest["format"] == "herald-backup" and manifest["media_files"] == 2
    assert manifest["schema_revision"] and manifest["database"] == make_url(source_url).get_backend_name()  # fmt: skip

    restored = _herald(target, "restore", str(archive), cwd=tmp_path)

    assert restored.returncode == 0, restored.stderr
    assert _people(target_url) == _people(source_url) == [("lan@example.gov.vn", "Nguyễn Thị Lan", "admin")]  # fmt: skip
    assert _files(tmp_path / "restored-media") == MEDIA
    assert f"schema {manifest['schema_revision']}" in restored.stdout

    again = _herald(target, "restore", str(archive), cwd=tmp_path)
    assert again.returncode == 1
    assert "not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr

    forced = _herald(target, "restore", "--force", str(archive), cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert _people(target_url) == _people(source_url)
    assert _files(tmp_path / "restored-media") == MEDIA
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("restored-media.before-restore-")]
    assert len(kept) == 1 and _files(kept[0]) == MEDIA  # set aside, never deleted


def test_a_sqlite_database_and_its_media_round_trip(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'herald.db'}", f"sqlite:///{tmp_path / 'restored.db'}", tmp_path)  # fmt: skip


@pytest.fixture
def two_postgresql_databases():
    url = os.environ.get("HERALD_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL round trip: HERALD_TEST_DATABASE_URL does not point at PostgreSQL")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("PostgreSQL round trip: pg_dump / pg_restore are not installed")
    base = make_url(url)
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    names = [f"{base.database}_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with server.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [base.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with server.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_a_postgresql_database_and_its_media_round_trip(two_postgresql_databases, tmp_path):
    source, target = two_postgresql_databases
    _round_trip(source, target, tmp_path)


def _archive(tmp_path: Path, manifest: dict) -> Path:
    path = tmp_path / "odd.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(manifest).encode()
        member = tarfile.TarInfo("manifest.json")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not an archive", "stopped"),
        ({"format": "something-else"}, "not a Herald backup"),
        (
            {
                "format": "herald-backup",
                "version": 1,
                "database": "sqlite",
                "schema_revision": "9999",
            },
            "newer release",
        ),
        (
            {
                "format": "herald-backup",
                "version": 1,
                "database": "postgresql",
                "schema_revision": "0013",
            },
            "postgresql database",
        ),
    ],
)
def test_restore_refuses_what_it_cannot_restore_with_a_clear_message(tmp_path, content, message):
    if isinstance(content, str):
        archive = tmp_path / "odd.tar.gz"
        archive.write_text(content)
    else:
        archive = _archive(tmp_path, content)
    environment = _environment(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "media")

    result = _herald(environment, "restore", str(archive), cwd=tmp_path)

    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "media").exists()
