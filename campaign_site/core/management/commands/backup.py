"""`manage.py backup`: one backup of the database and the media (campaign_site/core/backups.py)
into BACKUP_DIR, older ones pruned, then the off-site copy if BACKUP_OFFSITE_COMMAND is set."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from campaign_site.core.backups import (
    BackupError,
    backup_copy_offsite,
    backup_create,
    backups_prune,
)


class Command(BaseCommand):
    help = "Back up the database and uploaded media into BACKUP_DIR."

    def handle(self, *args, **options):
        try:
            path = backup_create()
            self.stdout.write(f"Backup written: {path} ({path.stat().st_size:,} bytes)")
            for removed in backups_prune(keep_days=settings.BACKUP_KEEP_DAYS):
                self.stdout.write(f"Removed, past BACKUP_KEEP_DAYS: {removed}")
            if settings.BACKUP_OFFSITE_COMMAND:
                backup_copy_offsite(path, settings.BACKUP_OFFSITE_COMMAND)
                self.stdout.write("Copied off-site.")
        except BackupError as error:
            raise CommandError(str(error)) from error
