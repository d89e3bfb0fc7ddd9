"""Signing up for a session, leaving it, and the waiting list.

Every change to who is going happens with the session's row locked (SELECT ... FOR
UPDATE on PostgreSQL), so two people racing for the last spot never both get it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import SourceCount
from campaign_site.core.pagecache import public_pages_invalidate
from campaign_site.core.sources import source_credit
from events.emails import rsvp_email_send
from events.models import Event, Rsvp
from events.selectors import event_page_topic
from volunteers.models import Supporter
from volunteers.services import supporter_get_or_create, supporter_phone_consent_give

ERASED_NAME = "(erased)"


class SignupClosed(Exception):
    """The session is not open for sign-ups (a draft, cancelled or over)."""


@dataclass(frozen=True)
class SignupOutcome:
    """What the page may say. It depends only on the session, never on the address: when
    the session is full, `waiting_position` is the place in the queue a sign-up gets now
    (someone already waiting learns their own place by email)."""

    event: Event
    full: bool
    waiting_position: int | None = None


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def _free_spots(event: Event) -> int | None:
    if event.capacity is None:
        return None
    going = event.rsvps.filter(status=Rsvp.Status.GOING).count()
    return max(event.capacity - going, 0)


def _waiting_count(event: Event) -> int:
    return event.rsvps.filter(status=Rsvp.Status.WAITING).count()


def _lock_event(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def rsvp_create(
    *,
    event: Event,
    first_name: str,
    email: str,
    phone: str = "",
    join_mailing_list: bool = False,
    wants_phone_calls: bool = False,
    page: str = "",
    now: datetime | None = None,
    source_code: str = "",
) -> SignupOutcome:
    """Give the person a place, or a place on the waiting list, and email them.

    Someone already signed up gets a reminder of their place by email instead; the
    outcome is the same either way, so the response reveals nothing about the address.
    `wants_phone_calls` (the "may phone me" box) is recorded as consent to be phoned.
    """
    public_pages_invalidate(topics=("event-places", event_page_topic(event.slug)))
    now = now or timezone.now()
    event = _lock_event(event)
    if not event.is_published or event.has_ended(now):
        raise SignupClosed
    supporter, _ = supporter_get_or_create(
        email=email, source=Supporter.Source.RSVP, name=first_name, phone=phone
    )
    free = _free_spots(event)
    full = free == 0
    waiting_position = _waiting_count(event) + 1 if full else None
    rsvp = Rsvp.objects.filter(event=event, supporter=supporter).first()
    if rsvp is not None and rsvp.status != Rsvp.Status.CANCELLED:
        rsvp.event, rsvp.supporter = event, supporter
        rsvp_email_send(
            rsvp=rsvp,
            # At most one such reminder an hour, so the form cannot be used to flood a person.
            key=f"rsvp-again:{rsvp.pk}:{now:%Y%m%d%H}",
            template="rsvp_again",
            attach_calendar=rsvp.status == Rsvp.Status.GOING,
        )
    else:
        rsvp = rsvp or Rsvp(event=event, supporter=supporter, created_at=now)
        rsvp.first_name = first_name.strip()
        rsvp.phone = phone.strip()
        rsvp.status = Rsvp.Status.WAITING if full else Rsvp.Status.GOING
        rsvp.joined_at = now
        rsvp.going_since = None if full else now
        rsvp.cancelled_at = None
        rsvp.day_before_reminder_for = rsvp.soon_reminder_for = None
        rsvp.full_clean(exclude=["event", "supporter"], validate_unique=False)
        rsvp.save()
        going = rsvp.status == Rsvp.Status.GOING
        source_credit(code=source_code, action=SourceCount.Action.SIGNUP)
        rsvp_email_send(
            rsvp=rsvp,
            key=f"rsvp-{'confirm' if going else 'waiting'}:{rsvp.pk}:{_stamp(now)}",
            template="rsvp_confirm" if going else "rsvp_waiting",
            attach_calendar=going,
        )
    if join_mailing_list:
        _join_mailing_list(
            event=event,
            supporter=supporter,
            first_name=first_name,
            page=page,
            source_code=source_code,
        )
    if wants_phone_calls:
        supporter_phone_consent_give(
            supporter=supporter, phone=phone, source=Supporter.Source.RSVP, page=page
        )
    return SignupOutcome(event=event, full=full, waiting_position=waiting_position)


def _join_mailing_list(
    *, event: Event, supporter: Supporter, first_name: str, page: str, source_code: str
) -> None:
    from volunteers.services import supporter_subscribe

    supporter_subscribe(
        email=supporter.email,
        source=Supporter.Source.RSVP,
        page=page,
        name=first_name,
        phone=supporter.phone,
        wants_updates=True,
        wants_canvass_alerts=event.kind == Event.Kind.CANVASS,
        wants_phonebank_alerts=event.kind == Event.Kind.PHONEBANK,
        source_code=source_code,
    )


@transaction.atomic
def rsvp_cancel(*, rsvp: Rsvp, now: datetime | None = None) -> Rsvp:
    """Give up a place (or a place in the queue); the first person waiting is promoted."""
    public_pages_invalidate(topics=("event-places", event_page_topic(rsvp.event.slug)))
    now = now or timezone.now()
    event = _lock_event(rsvp.event)
    rsvp = Rsvp.objects.select_related("supporter").get(pk=rsvp.pk)
    if rsvp.status == Rsvp.Status.CANCELLED:
        return rsvp
    rsvp.status = Rsvp.Status.CANCELLED
    rsvp.cancelled_at = now
    rsvp.save(update_fields=["status", "cancelled_at"])
    rsvps_fill_free_spots(event=event, now=now)
    return rsvp


def rsvps_fill_free_spots(*, event: Event, now: datetime | None = None) -> list[Rsvp]:
    """Promote people from the waiting list, first come first served, while spots are free.

    The caller holds the session's row lock.
    """
    public_pages_invalidate(topics=("event-places", event_page_topic(event.slug)))
    now = now or timezone.now()
    if not event.is_published or event.has_ended(now):
        return []
    free = _free_spots(event)
    waiting = (
        event.rsvps.filter(status=Rsvp.Status.WAITING)
        .select_related("supporter")
        .order_by("joined_at", "pk")
    )
    promoted = list(waiting if free is None else waiting[:free])
    for rsvp in promoted:
        rsvp.event = event
        rsvp.status = Rsvp.Status.GOING
        rsvp.going_since = now
        rsvp.save(update_fields=["status", "going_since"])
        rsvp_email_send(
            rsvp=rsvp,
            key=f"rsvp-promoted:{rsvp.pk}:{_stamp(now)}",
            template="rsvp_promoted",
            attach_calendar=True,
        )
    return promoted


def rsvp_attendance_set(*, rsvp: Rsvp, attended: bool | None) -> Rsvp:
    rsvp.attended = attended
    rsvp.save(update_fields=["attended"])
    return rsvp


def rsvps_erase_for_supporter(*, supporter_id: int) -> int:
    """When a supporter's data is erased: give up their places at sessions still to come
    (the first person waiting is promoted) and blank the name and phone on every sign-up,
    so attendance counts stay and nothing identifies them. Returns the sign-ups changed."""
    now = timezone.now()
    upcoming = Rsvp.objects.filter(
        supporter_id=supporter_id,
        status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITING],
        event__ends_at__gt=now,
    ).select_related("event")
    for rsvp in upcoming:
        rsvp_cancel(rsvp=rsvp, now=now)
    return Rsvp.objects.filter(supporter_id=supporter_id).update(first_name=ERASED_NAME, phone="")
