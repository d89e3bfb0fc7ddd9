"""Reads about TPS screening: is it fresh enough to serve a screened list's numbers?

A screened list is served only while both a TPS and a Corporate TPS file, hashed with the
site's current key, are in force and the older of the two was uploaded within the last
SCREENING_DAYS days (the ICO's 28 days: a list must be screened in the 28 days before it is
called). Each claim matches its contact against the files in force (services/claim.py), so
a new file screens every screened list at once; the date shown is the older file's.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from events.phonebank.models import SCREENING_DAYS, ScreeningFile
from events.phonebank.tps import key_check

STALE = "This list needs a fresh check against the TPS before calls can go on."


@dataclass(frozen=True)
class ScreeningStatus:
    files: dict[str, ScreeningFile]  # kind -> the file in force
    screened_at: datetime | None  # the older of the two files' uploads; None without both
    is_fresh: bool

    @property
    def missing(self) -> list[str]:
        return [label for kind, label in ScreeningFile.Kind.choices if kind not in self.files]

    @property
    def problem(self) -> str:
        """Why a screened list is not served now, for admin ("" when it is)."""
        if self.is_fresh:
            return ""
        if self.missing:
            return f"{STALE} No {' or '.join(self.missing)} file has been uploaded."
        return (
            f"{STALE} The last check was on {timezone.localtime(self.screened_at):%d %b %Y}, "
            f"over {SCREENING_DAYS} days ago: upload this month's TPS and Corporate TPS files."
        )


def screening_files_in_force():
    return ScreeningFile.objects.filter(replaced_at__isnull=True, key_check=key_check())


def screening_status(*, now: datetime | None = None) -> ScreeningStatus:
    now = now or timezone.now()
    files: dict[str, ScreeningFile] = {}
    for screening_file in screening_files_in_force().order_by("uploaded_at", "pk"):
        files[screening_file.kind] = screening_file  # the newest of a kind wins
    if len(files) < len(ScreeningFile.Kind.choices):
        return ScreeningStatus(files=files, screened_at=None, is_fresh=False)
    screened_at = min(f.uploaded_at for f in files.values())
    fresh = screened_at > now - timedelta(days=SCREENING_DAYS)
    return ScreeningStatus(files=files, screened_at=screened_at, is_fresh=fresh)


class ScreeningHistory:
    """When the files in force at some moment were uploaded: for each call, the TPS check it
    was made under (the older of the TPS and CTPS files then in force). Files replaced since
    keep their row (their numbers are gone), so the history is all there."""

    def __init__(self):
        self.files = list(ScreeningFile.objects.order_by("uploaded_at", "pk"))

    def screened_at(self, moment: datetime) -> datetime | None:
        latest: dict[str, datetime] = {}
        for screening_file in self.files:
            if screening_file.uploaded_at > moment:
                break
            latest[screening_file.kind] = screening_file.uploaded_at
        if len(latest) < len(ScreeningFile.Kind.choices):
            return None
        return min(latest.values())
