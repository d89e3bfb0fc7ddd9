"""Retention: after the date organisers set in the campaign settings, volunteers' personal
data is erased. Supporter rows stay, anonymised, so counts still add up; donation records
(in the donations app) are kept, as electoral law requires."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from campaign_site.core.selectors import campaign_settings_get
from volunteers.models import Supporter
from volunteers.services import supporters_erase

CHUNK = 500


@dataclass(frozen=True)
class RetentionPlan:
    erase_after: date | None
    supporters: int

    @property
    def is_due(self) -> bool:
        return self.erase_after is not None and timezone.localdate() > self.erase_after


def retention_plan() -> RetentionPlan:
    """What retention will erase, and when: shown to organisers before the date comes."""
    return RetentionPlan(
        erase_after=campaign_settings_get().volunteer_data_retained_until,
        supporters=Supporter.objects.filter(erased_at__isnull=True).count(),
    )


def retention_erase_due() -> int:
    """Erase every supporter still holding personal data, once the date has passed.

    Works in chunks of its own transactions, so a run cut short resumes where it stopped;
    a run after everything is erased does nothing. One audit record covers the run. Each
    chunk's emails are found by the outbox's person link, not by scanning addresses.
    """
    if not retention_plan().is_due:
        return 0
    erased = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Supporter.objects.select_for_update(skip_locked=True)
                .filter(erased_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            supporters_erase(supporter_ids=chunk)
        erased += len(chunk)
        if len(chunk) < CHUNK:
            break
    if erased:
        audit_record(
            actor=None,
            action=AuditEvent.Action.RETENTION,
            what="Supporters' personal data erased at the end of the retention period",
            rows=erased,
        )
    return erased
