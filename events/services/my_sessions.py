"""The link to a volunteer's own sessions, sent again to someone who lost their emails."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.workers import enqueue_after_commit
from events.emails import event_when_text, my_sessions_url
from events.selectors import supporter_upcoming_rsvps
from volunteers.models import Supporter, normalise_email

# Such emails one address may get in an hour, however often it is entered.
MY_SESSIONS_EMAILS_PER_HOUR = 3
MY_SESSIONS_LINK_SEND_TASK = "events.tasks.my_sessions_link_send_task"


def my_sessions_link_request(*, email: str) -> None:
    """Someone asked for the "my sessions" link to be sent to `email`: the workers look the
    address up and write the email (my_sessions_link_send). The request only hands it
    over, the same for every address, so how long it takes says nothing about whether the
    address signed up. (During a broker outage the request is logged and dropped; the
    person can ask again.)"""
    enqueue_after_commit(MY_SESSIONS_LINK_SEND_TASK, email)


@transaction.atomic
def my_sessions_link_send(*, email: str, now: datetime | None = None) -> bool:
    """Email the "my sessions" link to `email` if that address has signed up for a session;
    otherwise do nothing. Returns whether an email was written; the caller's answer must
    not depend on it (nobody may learn who signed up). A few emails an hour at most go to
    one address, so the form cannot be used to flood a person's inbox."""
    now = now or timezone.now()
    supporter = (
        Supporter.objects.filter(
            email=normalise_email(email), erased_at__isnull=True, rsvps__isnull=False
        )
        .distinct()
        .first()
    )
    if supporter is None:
        return False
    key_prefix = f"my-sessions-link:{supporter.pk}:"
    recent = OutboundEmail.objects.filter(
        key__startswith=key_prefix, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= MY_SESSIONS_EMAILS_PER_HOUR:
        return False
    rsvps = supporter_upcoming_rsvps(supporter=supporter, now=now)
    outbox_enqueue(
        key=f"{key_prefix}{int(now.timestamp() * 1000)}",
        to=supporter.email,
        template="events/email/my_sessions_link",
        context={
            "name": supporter.name or (rsvps[0].first_name if rsvps else ""),
            "my_sessions_url": my_sessions_url(supporter),
            "sessions": [(rsvp.event, event_when_text(rsvp.event)) for rsvp in rsvps],
        },
        person=supporter,
        about=None,
    )
    return True
