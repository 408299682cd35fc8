"""``herald backup`` and ``herald restore``: one archive holds the database, the media files
(uploaded images, under HERALD_MEDIA_ROOT) and a manifest naming the schema revision, so that a
restore puts back a database and the files its rows point at, together.

The archive (``.tar.gz``)::

    manifest.json       {"format": "herald-backup", "version": 1, "database": "sqlite" or
                         "postgresql", "schema_revision": "0013", "created_at": ..., "media_files": N}
    database.sqlite     SQLite's online backup (a consistent copy while Herald runs), or
    database.dump       pg_dump --format=custom
    media/...           the media folder as it was
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

FORMAT = "herald-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.dump"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    schema_revision: str
    media_files: int
    upgrade_needed: bool
    media_set_aside: Path | None


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"No backup method for {backend} databases (SQLite and PostgreSQL only).")
    return backend


def _libpq_url(url: URL) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _schema_revision(database_url: str | URL) -> str | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            if "alembic_version" not in inspect(connection).get_table_names():
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _run(command: list[str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not installed: install the PostgreSQL client tools of the server's"
            " major version (Debian: postgresql-client)."
        )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{what} failed: {detail[0]}")


def _media_files(media_root: Path) -> list[Path]:
    if not media_root.is_dir():
        return []
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def create_backup(
    *, database_url: str, media_root: Path, output: Path, now: datetime, herald_version: str
) -> dict[str, Any]:
    """Write the archive to ``output`` (a partial archive never stays behind); returns its
    manifest. Raises BackupError."""
    url = make_url(database_url)
    backend = _backend(url)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="herald-backup-") as folder:
        dump = Path(folder) / DATABASE_FILES[backend]
        if backend == "sqlite":
            _copy_sqlite(url.database, dump)
            revision = _schema_revision(f"sqlite:///{dump}")
        else:
            revision = _schema_revision(url)
            _run(["pg_dump", "--format=custom", "--file", str(dump), _libpq_url(url)], "pg_dump")
        if revision is None:
            raise BackupError("The database has no Herald schema (run `herald db upgrade` first).")
        media = _media_files(media_root)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "herald_version": herald_version,
            "created_at": now.isoformat(),
            "database": backend,
            "schema_revision": revision,
            "media_files": len(media),
        }
        (Path(folder) / MANIFEST).write_text(json.dumps(manifest, indent=2))
        partial = output.with_name(output.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(Path(folder) / MANIFEST, arcname=MANIFEST)
                archive.add(dump, arcname=dump.name)
                for path in media:
                    relative = path.relative_to(media_root).as_posix()
                    archive.add(path, arcname=f"{MEDIA}/{relative}")
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member is not None else None
    except (KeyError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("This file is not a Herald backup (no manifest.json of herald-backup).")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"This backup's format ({manifest.get('version')}) is not one this Herald reads."
        )
    return manifest


def _is_empty(url: URL) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


def _drop_everything(url: URL) -> None:
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def _safe_media_path(name: str) -> PurePosixPath | None:
    """``media/a/b.png`` -> ``a/b.png``; None for anything that could leave the media folder."""
    path = PurePosixPath(name)
    if path.parts[:1] != (MEDIA,) or len(path.parts) < 2 or ".." in path.parts:
        return None
    return PurePosixPath(*path.parts[1:])


def restore_backup(
    *,
    archive_path: Path,
    database_url: str,
    media_root: Path,
    migrations_directory: str,
    force: bool,
    now: datetime,
) -> Restored:
    """Put the archive's database and media back. Refuses (BackupError) a database that is not
    empty unless ``force``; then the database's tables are dropped first and the media folder
    is set aside (renamed), never deleted. Refuses a backup of a schema this Herald does not
    know (a newer release's) and one of the other kind of database."""
    url = make_url(database_url)
    backend = _backend(url)
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            return _restore(archive, url, backend, media_root, migrations_directory, force, now)
    except (OSError, EOFError, tarfile.TarError, zlib.error) as error:
        raise BackupError(f"Restoring from {archive_path} stopped: {error}") from None


def _restore(
    archive: tarfile.TarFile,
    url: URL,
    backend: str,
    media_root: Path,
    migrations_directory: str,
    force: bool,
    now: datetime,
) -> Restored:
    manifest = _read_manifest(archive)
    if manifest.get("database") != backend:
        raise BackupError(
            f"This is a backup of a {manifest.get('database')} database; the configured"
            f" database is {backend}. Restore it into a {manifest.get('database')} database."
        )
    revision = str(manifest.get("schema_revision"))
    script = ScriptDirectory(migrations_directory)
    try:
        script.get_revision(revision)
    except Exception:
        raise BackupError(
            f"This backup's schema revision ({revision}) is unknown to this version of Herald:"
            " it was made by a newer release. Install that release (or a later one) first."
        ) from None
    if not _is_empty(url):
        if not force:
            raise BackupError(
                "The database is not empty: restoring would replace everything in it. Point"
                " HERALD_DATABASE_URL at an empty database, or add --force to replace it."
            )
        _drop_everything(url)
    dump_name = DATABASE_FILES[backend]
    with tempfile.TemporaryDirectory(prefix="herald-restore-") as folder:
        dump = Path(folder) / dump_name
        member = archive.extractfile(dump_name)
        if member is None:
            raise BackupError(f"The backup has no {dump_name}.")
        with dump.open("wb") as target_file:
            shutil.copyfileobj(member, target_file)
        if backend == "sqlite":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            _copy_sqlite(dump, url.database)
        else:
            _run(
                ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq_url(url), str(dump)],
                "pg_restore",
            )  # fmt: skip
    set_aside = None
    if _media_files(media_root):
        set_aside = media_root.with_name(
            f"{media_root.name}.before-restore-{now.strftime('%Y%m%dT%H%M%SZ')}"
        )
        media_root.rename(set_aside)
    restored = 0
    for member in archive.getmembers():
        relative = _safe_media_path(member.name)
        if relative is None or not member.isfile():
            continue
        target_path = media_root / relative
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source_file = archive.extractfile(member)
        if source_file is None:
            continue
        with target_path.open("wb") as target_file:
            shutil.copyfileobj(source_file, target_file)
        restored += 1
    head = script.get_current_head()
    return Restored(
        schema_revision=revision,
        media_files=restored,
        upgrade_needed=revision != head,
        media_set_aside=set_aside,
    )


def _copy_sqlite(source_path: str | Path, target_path: str | Path) -> None:
    """SQLite's online backup: a consistent copy while others may write to the source."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        with target:
            source.backup(target)
    finally:
        source.close()
        target.close()
