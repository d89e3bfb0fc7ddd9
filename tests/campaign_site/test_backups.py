"""Backups that restore, shown by a drill as an operator would run it: fill a database, run
`manage.py backup`, destroy the database, the media and the invoices, make an empty database, run
`manage.py restore`, and compare what came back with what was there."""

import os
import secrets
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest

from campaign_site.core.backups import NAME_FORMAT, backups_prune
from tests.conftest import require, services_available
from tests.support.processes import VENV_BIN, drop_database, new_database, run
from tests.support.worker import PROJECT_DIR

# What a campaign cannot lose: supporters, their consent evidence, sign-ups, money, calls.
DRILL_TABLES = [
    "volunteers_supporter",
    "volunteers_consent",
    "events_rsvp",
    "donations_donation",
    "donations_payment",
    "phonebank_callrecord",
    "phonebank_contact",
]

FILL = """
from datetime import timedelta
from django.utils import timezone
from events.phonebank.models import CallAssignment, CallRecord, CallResult
from tests.benchmarks import fill, phonebank_fill
from volunteers.models import Consent, Supporter

fill.fill(supporters=400, sessions=12, signups=300, donations=150, tag="drill")
phonebank_fill.fill(contacts=300, callers=6)
now = timezone.now()
Consent.objects.bulk_create(
    Consent(supporter=s, source=s.source, page="/join/", wording="Email me updates \u2014 \u00a3",
            wants_updates=True, confirmed_at=now)
    for s in Supporter.objects.all()
)
results = list(CallResult)
CallRecord.objects.bulk_create(
    CallRecord(call_list_id=a.call_list_id, assignment=a, contact_id=a.contact_id,
               result=results[a.pk % len(results)], notes=f"Call {a.pk}: said hello",
               callback_at=now if results[a.pk % len(results)] == "call_back" else None,
               recorded_at=now - timedelta(minutes=a.pk))
    for a in CallAssignment.objects.all()[:200]
)
"""


def checks(database: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row's text, computed here, not by the site."""
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        found = {}
        for table in DRILL_TABLES:
            cursor.execute(
                f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t.id)) FROM {table} t"  # noqa: S608
            )
            found[table] = cursor.fetchone()
        return found


@pytest.fixture
def operator_env(tmp_path):
    require(services_available(), "PostgreSQL for the restore drill")
    database = new_database()
    env = {
        **os.environ,
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database,
        "CAMPAIGN_VAR_DIR": str(tmp_path / "var"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_OFFSITE_COMMAND": f"cp {{file}} {tmp_path / 'offsite'}/",
    }
    (tmp_path / "offsite").mkdir()
    yield env
    drop_database(database)


def manage(env: dict, *arguments: str) -> str:
    return run([VENV_BIN / "python", "manage.py", *arguments], cwd=PROJECT_DIR, env=env).stdout


@pytest.mark.services
def test_restore_drill_brings_back_every_supporter_consent_sign_up_gift_and_call(
    operator_env, tmp_path
):
    env, database = operator_env, operator_env["DATABASE_URL"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", FILL)
    media = tmp_path / "var/media"
    (media / "pictures").mkdir(parents=True)
    photo = os.urandom(50_000)
    (media / "pictures/candidate.jpg").write_bytes(photo)
    invoices = tmp_path / "var/private/invoices/2026/06"
    invoices.mkdir(parents=True)
    invoice = b"%PDF-1.7\n" + os.urandom(20_000)
    (invoices / "print-run.pdf").write_bytes(invoice)
    before = checks(database)
    assert all(rows >= 150 for rows, _ in before.values()), before

    said = manage(env, "backup")
    [backup] = (tmp_path / "backups").glob("campaign-*.tar")
    assert f"Backup written: {backup}" in said and "Copied off-site." in said
    assert (tmp_path / "offsite" / backup.name).read_bytes() == backup.read_bytes()
    assert oct(backup.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(backup) as archive:
        assert {
            "database.dump",
            "manifest.json",
            "media/pictures/candidate.jpg",
            "private/invoices/2026/06/print-run.pdf",
        } <= set(archive.getnames())

    # The disaster: the database and the media are gone.
    drop_database(database)
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database.rsplit("/", 1)[1]])
    (media / "pictures/candidate.jpg").unlink()
    (invoices / "print-run.pdf").unlink()

    said = manage(env, "restore", "--yes", str(backup))
    assert "every checksum matching" in said and "1 media files, 1 private files" in said
    after = checks(database)
    assert after == before
    assert (media / "pictures/candidate.jpg").read_bytes() == photo
    assert (invoices / "print-run.pdf").read_bytes() == invoice
    print("\nRestore drill:", ", ".join(f"{t} {rows}" for t, (rows, _) in after.items()))

    # The site runs on it again: the next migrate has nothing to do.
    assert "No migrations to apply" in manage(env, "migrate", "--noinput")


@pytest.mark.services
def test_a_restore_over_a_changed_database_puts_it_back_exactly(operator_env, tmp_path):
    """A rollback: rows written and tables added after the backup are gone after restore."""
    env, database = operator_env, operator_env["DATABASE_URL"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", FILL)
    before = checks(database)
    manage(env, "backup")
    [backup] = (tmp_path / "backups").glob("campaign-*.tar")
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("DELETE FROM phonebank_callrecord WHERE id % 2 = 0")
        cursor.execute("UPDATE volunteers_supporter SET name = 'Changed'")
        cursor.execute("CREATE TABLE added_by_a_newer_version (id int)")

    manage(env, "restore", "--yes", str(backup))

    assert checks(database) == before
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('added_by_a_newer_version')")
        assert cursor.fetchone() == (None,)


@pytest.mark.services
def test_a_damaged_backup_is_refused_and_the_database_is_left_alone(operator_env, tmp_path):
    env, database = operator_env, operator_env["DATABASE_URL"]
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", FILL)
    before = checks(database)
    manage(env, "backup")
    [backup] = (tmp_path / "backups").glob("campaign-*.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(backup) as original, tarfile.open(damaged, "w") as copy:
        for member in original.getmembers():
            data = original.extractfile(member)
            if member.name == "database.dump":
                member.size = 4096
                copy.addfile(member, _Truncated(data, 4096))
            else:
                copy.addfile(member, data)

    with pytest.raises(subprocess.CalledProcessError) as failure:
        manage(env, "restore", "--yes", str(damaged))
    assert "pg_restore failed" in failure.value.stderr
    assert checks(database) == before


class _Truncated:
    def __init__(self, stream, size):
        self.stream, self.left = stream, size

    def read(self, size=-1):
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return self.stream.read(size)


def test_backups_older_than_the_kept_days_are_removed_but_never_the_newest(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path
    now = datetime(2026, 12, 8, 2, 15, tzinfo=UTC)
    names = [(now - timedelta(days=days)).strftime(NAME_FORMAT) for days in (0, 1, 13, 15, 40)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("the operator's own file")

    removed = backups_prune(keep_days=14, now=now)

    assert sorted(path.name for path in removed) == sorted(names[3:])
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[:3] + ["notes.txt"])
    # Long after the last backup (the timer stopped), the newest one still stays.
    later = backups_prune(keep_days=14, now=now + timedelta(days=100))
    assert {path.name for path in later} == set(names[1:3])
    assert sorted(path.name for path in tmp_path.iterdir()) == [names[0], "notes.txt"]
