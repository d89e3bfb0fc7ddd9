"""`manage.py restore <backup>`: replace the database and media with a backup's, and check every
table's rows against what the backup recorded (campaign_site/core/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaign_site.core.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database and media with a backup's (everything there now is lost)."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="a campaign-<time>.tar from manage.py backup")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: the database is replaced"
        )

    def handle(self, *args, backup: Path, yes: bool, **options):
        if not backup.is_file():
            raise CommandError(f"No backup at {backup}.")
        if (
            not yes
            and input(
                "This replaces everything in the database and the media with the backup's. "
                "Type 'restore' to go on: "
            ).strip()
            != "restore"
        ):
            raise CommandError("Nothing changed.")
        try:
            report = backup_restore(backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(check.rows for check in report.tables.values())
        self.stdout.write(
            f"Restored the backup of {report.created_at}: {len(report.tables)} tables, "
            f"{rows:,} rows, every checksum matching; {report.media_files} media files, "
            f"{report.private_files} private files (invoices)."
        )
        self.stdout.write("Restart the web service and the workers: systemctl restart campaign-*")
