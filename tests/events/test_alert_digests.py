"""New-session alerts wait a short window, then go out as one email per supporter listing
every session of the kinds they asked for; nobody gets more than one a day."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.ics import LONDON
from events.models import AlertDigest, Event
from events.services import alert_digest_plan, alert_digests_send_due, event_publish
from tests.events.factories import EventFactory, next_saturday_at
from tests.volunteers.factories import SupporterFactory

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + timedelta(days=1)


def at(hour, minute=0, day=TOMORROW):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def draft(title, **kwargs):
    return EventFactory(
        status="draft", title=title, starts_at=next_saturday_at(10, weeks=3), **kwargs
    )


def publish(event, now):
    assert event_publish(event=event, now=now)
    event.refresh_from_db()
    return event


def test_four_sessions_in_the_window_make_one_email_per_subscriber_listing_all_four():
    canvassers = SupporterFactory.create_batch(3, wants_canvass_alerts=True)
    titles = [f"Canvassing in Oakwood, round {n}" for n in range(4)]
    for minute, title in zip([0, 3, 6, 9], titles, strict=True):
        publish(draft(title), now=at(10, minute))

    assert alert_digests_send_due(now=at(10, 9)) == 0  # the window is still open
    assert alert_digests_send_due(now=at(10, 10)) == 3
    assert alert_digests_send_due(now=at(10, 11)) == 0

    emails = OutboundEmail.objects.all()
    assert sorted(email.to for email in emails) == sorted(s.email for s in canvassers)
    for email in emails:
        assert email.subject == "4 new sessions: canvassing sessions"
        for title in titles:
            assert title in email.body_text and title in email.body_html
        assert email.key.endswith(f":{TOMORROW.isoformat()}")
    assert set(Event.objects.values_list("alerts_sent_at", flat=True)) != {None}
    assert AlertDigest.objects.get().recipient_count == 3


def test_each_person_gets_only_the_kinds_they_asked_for():
    canvasser = SupporterFactory(wants_canvass_alerts=True)
    phoner = SupporterFactory(wants_phonebank_alerts=True)
    both = SupporterFactory(wants_canvass_alerts=True, wants_phonebank_alerts=True)
    SupporterFactory(wants_updates=True)  # no alerts
    publish(draft("Canvassing in Spondon"), now=at(10))
    publish(draft("Thursday phonebank", phonebank=True), now=at(10, 2))

    alert_digests_send_due(now=at(10, 10))

    def text_for(person):
        return OutboundEmail.objects.get(to=person.email).body_text

    assert "Canvassing in Spondon" in text_for(canvasser)
    assert "Thursday phonebank" not in text_for(canvasser)
    assert "Thursday phonebank" in text_for(phoner)
    assert "Canvassing in Spondon" not in text_for(phoner)
    assert "Canvassing in Spondon" in text_for(both) and "Thursday phonebank" in text_for(both)
    assert OutboundEmail.objects.count() == 3


def test_a_session_published_after_todays_email_waits_for_tomorrow_morning(settings):
    settings.ALERT_DIGEST_EARLIEST_HOUR = 8
    person = SupporterFactory(wants_canvass_alerts=True)
    publish(draft("Morning canvass"), now=at(10))
    alert_digests_send_due(now=at(10, 10))

    late = publish(draft("Afternoon canvass"), now=at(14))

    assert late.alert_digest.due_at == at(8, day=TOMORROW + timedelta(days=1))
    assert alert_digests_send_due(now=at(14, 10)) == 0
    assert alert_digests_send_due(now=at(23, 59)) == 0
    assert alert_digests_send_due(now=at(8, day=TOMORROW + timedelta(days=1))) == 1
    first, second = OutboundEmail.objects.filter(to=person.email).order_by("pk")
    assert "Morning canvass" in first.body_text and "Afternoon canvass" not in first.body_text
    assert "Afternoon canvass" in second.body_text and "Morning canvass" not in second.body_text
    assert first.key.split(":")[-1] != second.key.split(":")[-1]


def test_no_alert_email_before_the_earliest_hour(settings):
    settings.ALERT_DIGEST_EARLIEST_HOUR = 8
    SupporterFactory(wants_canvass_alerts=True)

    night = publish(draft("Canvass at the weekend"), now=at(2, 30))

    assert night.alert_digest.due_at == at(8)
    assert alert_digests_send_due(now=at(2, 40)) == 0
    assert alert_digests_send_due(now=at(8)) == 1


def test_cancelled_and_started_sessions_are_left_out():
    person = SupporterFactory(wants_canvass_alerts=True)
    kept = publish(draft("Kept"), now=at(10))
    cancelled = publish(draft("Called off"), now=at(10, 1))
    soon = draft("Starting at once")
    soon.starts_at, soon.ends_at = at(10, 5), at(12)
    soon.save()
    publish(soon, now=at(10, 2))
    Event.objects.filter(pk=cancelled.pk).update(status=Event.Status.CANCELLED)

    alert_digests_send_due(now=at(10, 10))

    [email] = OutboundEmail.objects.filter(to=person.email)
    assert email.subject.startswith(f"New canvassing session: {kept.title}")
    assert "Called off" not in email.body_text and "Starting at once" not in email.body_text


def test_a_digest_cut_short_by_a_dead_worker_resumes_without_doubles():
    people = SupporterFactory.create_batch(4, wants_canvass_alerts=True)
    event = publish(draft("Canvassing in Chaddesden"), now=at(10))
    alert_digests_send_due(now=at(10, 10))
    # As if the worker died after the first two were written.
    OutboundEmail.objects.filter(person_id__in=[p.pk for p in people[2:]]).delete()
    AlertDigest.objects.filter(pk=event.alert_digest_id).update(
        status=AlertDigest.Status.SENDING, fanned_out_through=people[1].pk, recipient_count=2
    )
    AlertDigest.objects.update(progress_at=at(10, 11))

    assert alert_digests_send_due(now=at(10, 12)) == 0  # still fresh: another worker's
    assert alert_digests_send_due(now=at(10, 20)) == 2

    assert OutboundEmail.objects.count() == 4
    digest = AlertDigest.objects.get()
    assert (digest.status, digest.recipient_count) == (AlertDigest.Status.SENT, 4)


def test_the_plan_counts_the_people_who_will_get_the_email(settings):
    settings.ALERT_DIGEST_EARLIEST_HOUR = 0
    SupporterFactory.create_batch(2, wants_canvass_alerts=True)
    SupporterFactory.create_batch(3, wants_phonebank_alerts=True)
    SupporterFactory(wants_canvass_alerts=True, wants_phonebank_alerts=True)
    SupporterFactory(wants_canvass_alerts=True, confirmed_at=None)
    now = timezone.now()

    assert alert_digest_plan(kinds={"canvass"}, now=now).recipients == 3
    publish(draft("Thursday phonebank", phonebank=True), now=now)

    plan = alert_digest_plan(kinds={"canvass"}, now=now)
    assert (plan.recipients, plan.waiting) == (6, 1)  # with the phonebank already waiting
    assert plan.due_at == now + timedelta(minutes=10) and not plan.deferred
