"""Backups that restore: the database, the uploaded media and the private files in one file, and
its restore.

A backup is `campaign-<UTC time>.tar` in BACKUP_DIR holding
- `database.dump`: pg_dump's custom format (pg_restore reads it; it restores into a newer
  PostgreSQL too),
- `media/`: everything under MEDIA_ROOT (the photo, the logo, share images), unless media live
  in object storage, which the provider keeps,
- `private/`: everything under PRIVATE_FILES_DIR (the spending ledger's invoices, records the
  agent must keep), always on disk,
- `manifest.json`: when, and for every table its row count and a checksum of its rows, taken
  in the same snapshot as the dump, so a restore can prove it brought back exactly that.

pg_dump and pg_restore (Debian's postgresql-client) do the database work: they are the tools
PostgreSQL's own documentation gives for this, and they stream a large database without
holding it in memory. The file is written under a `.partial` name and renamed when complete,
so a backup cut short never looks like one.
"""

import io
import json
import logging
import os
import re
import shlex
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

NAME_FORMAT = "campaign-%Y-%m-%dT%H%M%SZ.tar"
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
CHECK_SQL = (
    "SELECT count(*), md5(coalesce(string_agg(row_hash, '' ORDER BY row_hash), '')) "
    "FROM (SELECT md5(t::text) AS row_hash FROM {table} t) AS hashes"
)


class BackupError(Exception):
    """Something an operator must put right; the message says what."""


@dataclass(frozen=True)
class TableCheck:
    rows: int
    checksum: str


def site_tables() -> list[str]:
    """The tables the site's models keep (Django's own and the libraries' included)."""
    return sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        }
    )


def table_checks(tables: list[str]) -> dict[str, TableCheck]:
    """Row count and checksum of each table, in the current transaction's snapshot. The
    checksum is over the rows' text, sorted, so it does not depend on their order on disk."""
    checks = {}
    with connection.cursor() as cursor:
        for table in tables:
            if not TABLE_NAME.fullmatch(table):
                raise BackupError(f"Not a table of the site's: {table!r}")
            # The name is checked above; a table's name cannot be a query parameter.
            cursor.execute(CHECK_SQL.format(table=table))
            rows, checksum = cursor.fetchone()
            checks[table] = TableCheck(rows, checksum)
    return checks


def _postgres() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore, from DATABASES."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups need PostgreSQL: DATABASE_URL names another database.")
    arguments = [f"--dbname={database['NAME']}"]
    if database.get("HOST"):
        arguments.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        arguments.append(f"--port={database['PORT']}")
    if database.get("USER"):
        arguments.append(f"--username={database['USER']}")
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return arguments, env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")


def _media_in_object_storage() -> bool:
    return bool(settings.MEDIA_S3_BUCKET)


def backup_create(*, now: datetime | None = None) -> Path:
    """Write one backup into BACKUP_DIR and return its path."""
    now = now or datetime.now(UTC)
    backup_dir = Path(settings.BACKUP_DIR)
    backup_dir.mkdir(parents=True, exist_ok=True)
    target = backup_dir / now.strftime(NAME_FORMAT)
    arguments, env = _postgres()
    with tempfile.TemporaryDirectory(dir=backup_dir) as work:
        dump = Path(work) / "database.dump"
        # The checksums and the dump read the same snapshot: writes made meanwhile are in
        # neither.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                (snapshot,) = cursor.fetchone()
            checks = table_checks(site_tables())
            _run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"]
                + arguments,
                env,
            )
        manifest = {
            "created_at": now.isoformat(),
            "tables": {name: [check.rows, check.checksum] for name, check in checks.items()},
            "media": "object storage" if _media_in_object_storage() else "included",
        }
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname="database.dump")
            media_root = Path(settings.MEDIA_ROOT)
            if not _media_in_object_storage() and media_root.is_dir():
                archive.add(media_root, arcname="media")
            private_dir = Path(settings.PRIVATE_FILES_DIR)
            if private_dir.is_dir():
                archive.add(private_dir, arcname="private")
            info = tarfile.TarInfo("manifest.json")
            data = json.dumps(manifest, indent=1).encode()
            info.size, info.mtime = len(data), int(now.timestamp())
            archive.addfile(info, io.BytesIO(data))
        partial.chmod(0o600)  # it holds every supporter's details
        partial.rename(target)
    logger.info("Backup written: %s", target)
    return target


def backups_prune(*, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Remove backups older than `keep_days` (by the time in their name); the newest is
    always kept, however old. Returns what was removed."""
    now = now or datetime.now(UTC)
    dated = []
    for path in Path(settings.BACKUP_DIR).glob("campaign-*.tar"):
        try:
            taken = datetime.strptime(path.name, NAME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue
        dated.append((taken, path))
    dated.sort()
    removed = []
    for taken, path in dated[:-1]:
        if now - taken > timedelta(days=keep_days):
            path.unlink()
            removed.append(path)
    return removed


def backup_copy_offsite(path: Path, command: str) -> None:
    """Run the operator's BACKUP_OFFSITE_COMMAND with `{file}` standing for the backup, e.g.
    `rclone copy {file} offsite:campaign-backups`. No shell: the words are split as a shell
    would, and nothing in them is run but the command itself."""
    words = shlex.split(command)
    if "{file}" not in words:
        raise BackupError("BACKUP_OFFSITE_COMMAND must name the backup as {file}.")
    _run([str(path) if word == "{file}" else word for word in words], dict(os.environ))


@dataclass(frozen=True)
class RestoreReport:
    created_at: str
    tables: dict[str, TableCheck]
    media_files: int
    private_files: int = 0


def backup_restore(path: Path) -> RestoreReport:
    """Replace the database and the media with the backup's, then check every table's rows
    against the manifest. The database must exist and belong to the site's database user; all
    it holds is replaced (tables a newer version added too, so a rollback is clean)."""
    arguments, env = _postgres()
    with tarfile.open(path) as archive, tempfile.TemporaryDirectory() as work:
        try:
            manifest = json.load(archive.extractfile("manifest.json"))
            archive.extract("database.dump", work, filter="data")
        except (KeyError, json.JSONDecodeError) as error:
            raise BackupError(f"{path.name} is not a complete backup ({error}).") from error
        dump = str(Path(work) / "database.dump")
        _run(["pg_restore", "--list", dump], env)  # a damaged dump stops here, nothing lost
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        connection.close()
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction"]
            + ["--exit-on-error", *arguments, dump],
            env,
        )
        media = _extract_folder(archive, "media", Path(settings.MEDIA_ROOT))
        private = _extract_folder(archive, "private", Path(settings.PRIVATE_FILES_DIR))
    expected = {name: TableCheck(*value) for name, value in manifest["tables"].items()}
    restored = table_checks(sorted(expected))
    wrong = sorted(name for name, check in expected.items() if restored[name] != check)
    if wrong:
        raise BackupError(f"Restored, but these tables differ from the backup: {', '.join(wrong)}")
    return RestoreReport(
        created_at=manifest["created_at"],
        tables=expected,
        media_files=sum(1 for member in media if member.isfile()),
        private_files=sum(1 for member in private if member.isfile()),
    )


def _extract_folder(archive: tarfile.TarFile, folder: str, target: Path) -> list[tarfile.TarInfo]:
    """Put the backup's `folder/` back under `target`; returns what it held."""
    members = [member for member in archive.getmembers() if member.name.startswith(f"{folder}/")]
    for member in members:
        member.name = member.name.removeprefix(f"{folder}/")
    target.mkdir(parents=True, exist_ok=True)
    archive.extractall(target, members=members, filter="data")
    return members
