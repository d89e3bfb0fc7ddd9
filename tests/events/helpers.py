def unfolded(content: bytes | str) -> str:
    """iCalendar text with folded lines joined and escapes removed, to search in."""
    text = content.decode() if isinstance(content, bytes) else content
    text = text.replace("\r\n ", "")
    return text.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")


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
