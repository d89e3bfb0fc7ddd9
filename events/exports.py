"""CSV export of the sign-ups of sessions, for organisers with the permission."""

import csv
import io

from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.csv_cells import csv_safe_cell
from campaign_site.core.models import AuditEvent
from events.models import Event, Rsvp

HEADER = ["session", "starts", "first name", "email", "phone", "status", "attended", "joined"]
ATTENDED = {True: "yes", False: "no", None: ""}


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def rsvps_export(*, events, actor) -> str:
    """Audit an export of the sign-ups of `events` and return it as CSV text."""
    rsvps = list(
        Rsvp.objects.filter(event__in=events)
        .select_related("event", "supporter")
        .order_by("event__starts_at", "event_id", "joined_at", "pk")
    )
    titles = ", ".join(sorted({rsvp.event.title for rsvp in rsvps}))[:200]
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        what=f"Session sign-ups CSV: {titles or 'no sign-ups'}",
        rows=len(rsvps),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for rsvp in rsvps:
        event: Event = rsvp.event
        writer.writerow(
            [
                csv_safe_cell(event.title),
                _local(event.starts_at),
                csv_safe_cell(rsvp.first_name),
                csv_safe_cell(rsvp.supporter.email),
                csv_safe_cell(rsvp.phone),
                rsvp.status,
                ATTENDED[rsvp.attended],
                _local(rsvp.joined_at),
            ]
        )
    return out.getvalue()
