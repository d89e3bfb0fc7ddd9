"""`manage.py phonebank_tps_load tps FILE`: load a TPS or Corporate TPS file from the server's
disk, for files too big to upload through admin. The same service as admin's upload."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from events.phonebank.models import ScreeningFile
from events.phonebank.services import screening_file_load


class Command(BaseCommand):
    help = "Load a TPS or CTPS file (one number a line) in place of the last one of its kind."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ScreeningFile.Kind.values)
        parser.add_argument("path")

    def handle(self, *args, kind: str, path: str, **options):
        try:
            with open(path, "rb") as lines:
                loaded = screening_file_load(kind=kind, lines=lines, filename=path[-200:])
        except (OSError, ValidationError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{loaded.get_kind_display()}: {loaded.numbers_kept} numbers kept as hashes, "
            f"{loaded.lines_skipped} lines skipped."
        )
