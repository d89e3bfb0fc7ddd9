"""New-session alerts, collected into one email per supporter: the alert digest.

Publishing a session puts it in the open digest (`alert_digest_add()`), opening one if
none is open; a digest is due ALERT_DIGEST_WINDOW_MINUTES after it opened. The events sweep
(every minute) sends due digests (`alert_digests_send_due()`): each supporter who asked for
any of its kinds gets one email listing every session of the kinds they asked for, with
the key `alert-digest:<supporter>:<date>`.

At most one digest goes out a UK day (its `send_date` is unique, and so is each person's
key): a session published after today's digest went joins a new digest that waits for the
next day, at ALERT_DIGEST_EARLIEST_HOUR. So nobody gets more than one alert email a day
and no session is left out, at the cost of a late session waiting until the morning (it
is left out only if it has started by then). Digests never go out before that hour.

The digest is rendered once per mix of kinds (canvassing, phonebank, both) through the core
fan-out, before any transaction, with each person's links put in by replacement.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.fanout import (
    FanOutCopy,
    FanOutStopped,
    fanout_marks,
    keyset_chunks,
    outbox_fan_out,
)
from campaign_site.core.models import AuditEvent
from campaign_site.core.outbox import RenderedEmail, outbox_render
from campaign_site.core.words import count_of
from events.emails import event_email_context
from events.models import AlertDigest, Event
from volunteers.models import Supporter
from volunteers.selectors import bulk_audience_size, supporters_bulk_copies

ALERT_FIELDS: dict[str, str] = {
    Event.Kind.CANVASS: "wants_canvass_alerts",
    Event.Kind.PHONEBANK: "wants_phonebank_alerts",
}
KIND_WORDS: dict[str, str] = {
    Event.Kind.CANVASS: "canvassing sessions",
    Event.Kind.PHONEBANK: "phonebanks",
}
ALERT_LINKS = ("greeting", "preferences_url", "unsubscribe_url")
# A digest still "sending" with no progress for this long lost its worker: the sweep resumes it.
STALLED_AFTER = timedelta(minutes=5)


def alert_audience(*, kinds: Iterable[str]):
    """Confirmed, subscribed supporters who asked for alerts of any of these kinds."""
    wanted = Q()
    for kind in set(kinds):
        wanted |= Q(**{ALERT_FIELDS[kind]: True})
    if not wanted:
        return Supporter.objects.none()
    return Supporter.objects.confirmed().filter(wanted)


def alert_greeting(supporter: Supporter) -> str:
    return f"Hello {supporter.name}" if supporter.name else "Hello"


def alert_digest_due_at(*, now: datetime) -> datetime:
    """When a digest opened now goes out: a window later, not before the earliest hour,
    on the first UK day that has no digest yet."""
    due = timezone.localtime(now + timedelta(minutes=settings.ALERT_DIGEST_WINDOW_MINUTES))
    earliest = _at_earliest_hour(due.date())
    if due < earliest:
        due = earliest
    taken = set(
        AlertDigest.objects.filter(send_date__gte=due.date()).values_list("send_date", flat=True)
    )
    while due.date() in taken:
        due = _at_earliest_hour(due.date() + timedelta(days=1))
    return due


def _at_earliest_hour(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(settings.ALERT_DIGEST_EARLIEST_HOUR)))


def alert_digest_add(*, event: Event, now: datetime) -> AlertDigest:
    """The digest a session published now goes in: the open one, or a new one. Call it in
    the publishing transaction (it locks the open digest until then)."""
    for _attempt in range(5):
        digest = AlertDigest.objects.select_for_update().filter(status=AlertDigest.Status.OPEN)
        if found := digest.first():
            return found
        due = alert_digest_due_at(now=now)
        try:
            with transaction.atomic():
                return AlertDigest.objects.create(
                    opened_at=now, due_at=due, send_date=timezone.localdate(due)
                )
        except IntegrityError:
            continue  # another publication opened one, or took that day, a moment ago
    raise RuntimeError("Could not open a new-session alert digest")


@dataclass(frozen=True)
class AlertDigestPlan:
    """What publishing sessions of these kinds now would do, for the confirmation page."""

    due_at: datetime
    waiting: int  # sessions already in the open digest
    recipients: int
    deferred: bool  # today's digest has gone: this one waits for the next day
    held_for_morning: bool  # the window closes at night: it waits for the earliest hour


def alert_digest_plan(*, kinds: Iterable[str], now: datetime | None = None) -> AlertDigestPlan:
    now = now or timezone.now()
    open_digest = AlertDigest.objects.filter(status=AlertDigest.Status.OPEN).first()
    kinds = set(kinds)
    waiting = 0
    if open_digest is not None:
        sessions = open_digest.events.published().filter(starts_at__gt=now)
        kinds |= set(sessions.values_list("kind", flat=True))
        waiting = sessions.count()
        due_at = open_digest.due_at
    else:
        due_at = alert_digest_due_at(now=now)
    window_end = now + timedelta(minutes=settings.ALERT_DIGEST_WINDOW_MINUTES)
    deferred = timezone.localdate(due_at) > timezone.localdate(window_end)
    return AlertDigestPlan(
        due_at=due_at,
        waiting=waiting,
        recipients=bulk_audience_size(alert_audience(kinds=kinds)),
        deferred=deferred,
        held_for_morning=not deferred and due_at > window_end,
    )


def alert_digests_send_due(*, now: datetime | None = None) -> int:
    """Send every digest whose window has closed, and resume any that stalled (a worker
    died mid fan-out). Returns how many emails were queued."""
    now = now or timezone.now()
    due = AlertDigest.objects.filter(
        Q(status=AlertDigest.Status.OPEN, due_at__lte=now)
        | Q(status=AlertDigest.Status.SENDING, progress_at__lt=now - STALLED_AFTER)
    ).order_by("due_at")
    return sum(alert_digest_send(digest_id=pk, now=now) for pk in due.values_list("pk", flat=True))


def alert_digest_send(*, digest_id: int, now: datetime | None = None) -> int:
    """Fan out one due digest: one email per supporter listing its sessions of the kinds
    they asked for (published, not yet started). Resumes where a crashed run stopped;
    keys make a re-run write nothing twice. Returns how many emails were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        digest = AlertDigest.objects.select_for_update().filter(pk=digest_id).first()
        if digest is None or digest.status == AlertDigest.Status.SENT:
            return 0
        if digest.status == AlertDigest.Status.OPEN and digest.due_at > now:
            return 0
        digest.status = AlertDigest.Status.SENDING
        digest.progress_at = now
        digest.save(update_fields=["status", "progress_at"])
    sessions = list(digest.events.published().filter(starts_at__gt=now).order_by("starts_at"))
    kinds = {session.kind for session in sessions}
    contexts = [(session.kind, event_email_context(session)) for session in sessions]

    def render(variant: tuple[str, ...]) -> RenderedEmail:
        return outbox_render(
            template="events/email/alert_digest",
            context={
                "sessions": [context for kind, context in contexts if kind in variant],
                "kinds_text": " and ".join(KIND_WORDS[kind] for kind in variant),
                **fanout_marks(*ALERT_LINKS),
            },
        )

    def copies_for(supporters: Sequence[Supporter]) -> Iterator[FanOutCopy]:
        for supporter, links, headers in supporters_bulk_copies(supporters):
            yield FanOutCopy(
                key=f"alert-digest:{supporter.pk}:{digest.send_date.isoformat()}",
                to=supporter.email,
                links={"greeting": alert_greeting(supporter), **links},
                headers=headers,
                person=supporter,
                variant=tuple(
                    kind
                    for kind in Event.Kind.values
                    if kind in kinds and getattr(supporter, ALERT_FIELDS[kind])
                ),
            )

    def progress(chunk: Sequence[Supporter], created: int) -> None:
        locked = AlertDigest.objects.select_for_update().get(pk=digest_id)
        if locked.status != AlertDigest.Status.SENDING:
            raise FanOutStopped
        locked.fanned_out_through = max(locked.fanned_out_through, chunk[-1].pk)
        locked.recipient_count += created
        locked.progress_at = timezone.now()
        locked.save(update_fields=["fanned_out_through", "recipient_count", "progress_at"])

    audience = alert_audience(kinds=kinds).only(
        "pk", "email", "name", "manage_token", *ALERT_FIELDS.values()
    )
    created = outbox_fan_out(
        render=render,
        recipients=keyset_chunks(audience, after=digest.fanned_out_through, chunk_size=1000),
        copies_for=copies_for,
        about=digest,
        on_chunk=progress,
    )
    with transaction.atomic():
        locked = AlertDigest.objects.select_for_update().get(pk=digest_id)
        if locked.status == AlertDigest.Status.SENDING:
            locked.status = AlertDigest.Status.SENT
            locked.sent_at = timezone.now()
            locked.save(update_fields=["status", "sent_at"])
            Event.objects.filter(alert_digest=locked, alerts_sent_at__isnull=True).update(
                alerts_sent_at=locked.sent_at
            )
            audit_record(
                actor=None,
                action=AuditEvent.Action.BULK_EMAIL,
                what=f"New-session alerts: {count_of(len(sessions), 'session')} in one email each",
                rows=locked.recipient_count,
            )
    return created
