from email.message import EmailMessage

import ical.calendar
from ical.calendar_stream import IcsCalendarStream
from ical.event import EventStatus


def unfolded(content: bytes | str) -> str:
    """iCalendar text with folded lines joined and escapes removed, to search in."""
    text = content.decode() if isinstance(content, bytes) else content
    text = text.replace("\r\n ", "")
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")


def strict_calendar(content: bytes | str) -> ical.calendar.Calendar:
    """Parse a calendar file with `ical`, a strict RFC 5545 parser that is not the library
    that wrote it, after checking the content lines (RFC 5545 3.1): CRLF line ends, no
    bare LF, at most 75 octets a line."""
    text = content.decode() if isinstance(content, bytes) else content
    assert text.endswith("\r\n"), "content lines end with CRLF"
    lines = text[: -len("\r\n")].split("\r\n")
    assert not [line for line in lines if "\n" in line or "\r" in line], "a bare LF or CR"
    assert not [line for line in lines if len(line.encode()) > 75], "a line over 75 octets"
    return IcsCalendarStream.calendar_from_ics(text)


def assert_scheduling_message(calendar: ical.calendar.Calendar, *, method: str, organizer: str):
    """What RFC 5546 asks of a PUBLISH (3.2.1) or a CANCEL (3.2.5) of one session."""
    assert calendar.method == method
    [vevent] = calendar.events
    assert vevent.organizer is not None and vevent.organizer.uri == f"mailto:{organizer}"
    assert vevent.uid and vevent.dtstamp and vevent.sequence is not None
    if method == "PUBLISH":
        assert vevent.attendees == []  # PUBLISH carries no ATTENDEE
    else:
        assert vevent.status == EventStatus.CANCELLED
    return vevent


def calendar_part(message: EmailMessage) -> tuple[EmailMessage, ical.calendar.Calendar]:
    """The one calendar attachment of a parsed email and its calendar (strictly parsed),
    with the Content-Type checked against the file: the same method (RFC 6047 2.4), UTF-8
    named once."""
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_content_charset() == "utf-8"
    assert str(part["Content-Type"]).lower().count("charset") == 1
    # A parsed text part has local line ends; on the wire (canonical form) they are CRLF.
    text = part.get_payload(decode=True).decode().replace("\r\n", "\n").replace("\n", "\r\n")
    calendar = strict_calendar(text)
    assert part.get_param("method") == calendar.method
    return part, calendar


def announce(*events, now=None) -> int:
    """Put already published sessions in the open alert digest (as publishing does), then
    send it once due. Returns how many alert emails were queued."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from events.models import Event
    from events.services import alert_digest_add, alert_digests_send_due

    now = now or timezone.now()
    with transaction.atomic():
        for event in events:
            digest = alert_digest_add(event=event, now=now)
            Event.objects.filter(pk=event.pk).update(alert_digest=digest)
    later = max(now + timedelta(minutes=settings.ALERT_DIGEST_WINDOW_MINUTES), digest.due_at)
    return alert_digests_send_due(now=later)
