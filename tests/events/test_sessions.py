"""Organisers' changes: time and place notices, cancelling, copies, messages, alerts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.ics import LONDON
from events.models import AlertDigest, Event, Rsvp
from events.services import (
    SessionError,
    alert_digests_send_due,
    event_cancel,
    event_create,
    event_duplicate,
    event_message_people_going,
    event_publish,
    event_update,
)
from events.services.sessions import COPIED_FIELDS
from tests.events.factories import EventFactory, RsvpFactory, SupporterFactory
from tests.events.helpers import announce

pytestmark = pytest.mark.django_db


def keys(prefix):
    return sorted(OutboundEmail.objects.filter(key__startswith=prefix).values_list("to", flat=True))


def test_moving_the_time_tells_the_people_coming_and_raises_the_sequence(canvass):
    going = RsvpFactory(event=canvass)
    waiting = RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)
    RsvpFactory(event=canvass, status=Rsvp.Status.CANCELLED)

    canvass.starts_at += timedelta(hours=2)
    canvass.ends_at += timedelta(hours=2)
    event_update(event=canvass)

    canvass.refresh_from_db()
    assert canvass.sequence == 1
    assert keys(f"event-changed:{canvass.pk}:1:") == sorted(
        [going.supporter.email, waiting.supporter.email]
    )
    notice = OutboundEmail.objects.get(to=going.supporter.email)
    new_start = canvass.starts_at.astimezone(LONDON)
    day = f"{new_start:%a} {new_start.day} {new_start:%b}"
    assert notice.subject == f"Changed: Canvassing in Allestree is now {day}, 12:00"
    assert "changed the time" in notice.body_text
    assert "SEQUENCE:1" in notice.attachments[0]["content"]


def test_moving_the_place_tells_people_but_a_new_title_does_not(canvass):
    RsvpFactory(event=canvass)
    canvass.title = "Canvassing in Allestree and Quarndon"
    event_update(event=canvass)
    assert not OutboundEmail.objects.exists()

    canvass.place_name = "Allestree library"
    event_update(event=canvass)
    notice = OutboundEmail.objects.get()
    assert "changed where it happens" in notice.body_text
    assert "Allestree library" in notice.body_text


def test_drafts_are_edited_silently():
    draft = EventFactory(status="draft")
    draft.starts_at += timedelta(hours=1)
    draft.ends_at += timedelta(hours=1)
    event_update(event=draft)
    assert not OutboundEmail.objects.exists()


def test_more_capacity_promotes_people_waiting(canvass):
    canvass.capacity = 1
    canvass.save()
    RsvpFactory(event=canvass)
    first_waiting = RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)
    RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)

    canvass.capacity = 2
    event_update(event=canvass)

    first_waiting.refresh_from_db()
    assert first_waiting.status == Rsvp.Status.GOING
    assert keys("rsvp-promoted:") == [first_waiting.supporter.email]


def test_cancelling_tells_everyone_going_or_waiting_once(canvass):
    going = RsvpFactory(event=canvass)
    waiting = RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)

    assert event_cancel(event=canvass, message="Storm warning: stay safe.") is True
    assert event_cancel(event=canvass) is False

    assert keys(f"event-cancelled:{canvass.pk}:") == sorted(
        [going.supporter.email, waiting.supporter.email]
    )
    notice = OutboundEmail.objects.get(to=going.supporter.email)
    assert notice.subject.startswith("Cancelled: Canvassing in Allestree")
    assert "Storm warning: stay safe." in notice.body_text
    assert "STATUS:CANCELLED" in notice.attachments[0]["content"]


def test_create_makes_a_unique_slug_and_a_draft(canvass):
    new = Event(**{name: getattr(canvass, name) for name in COPIED_FIELDS})
    event_create(event=new)
    again = event_duplicate(event=new)
    assert new.status == again.status == Event.Status.DRAFT
    day = canvass.starts_at.astimezone(LONDON).date().isoformat()
    assert new.slug == f"canvassing-in-allestree-{day}"
    assert again.slug == f"canvassing-in-allestree-{day}-2"


def test_publishing_sends_alerts_to_exactly_the_right_supporters_once(
    django_capture_on_commit_callbacks, settings
):
    now = timezone.now()
    wants = SupporterFactory(confirmed_at=now, wants_canvass_alerts=True)
    SupporterFactory(confirmed_at=now, wants_phonebank_alerts=True)  # other kind
    SupporterFactory(confirmed_at=None, wants_canvass_alerts=True)  # never confirmed
    SupporterFactory(confirmed_at=now, unsubscribed_at=now, wants_canvass_alerts=True)
    SupporterFactory(confirmed_at=now, wants_updates=True)  # updates only
    draft = EventFactory(status="draft", title="Canvassing in Mickleover", slug="mickleover")
    settings.ALERT_DIGEST_EARLIEST_HOUR = 0

    with django_capture_on_commit_callbacks() as callbacks:
        assert event_publish(event=draft, now=now) is True
    assert len(callbacks) == 1  # fresh public pages; the alert waits for its window
    draft.refresh_from_db()
    assert draft.alert_digest.due_at == now + timedelta(minutes=10)

    assert alert_digests_send_due(now=now + timedelta(minutes=9)) == 0
    assert alert_digests_send_due(now=now + timedelta(minutes=10)) == 1
    assert alert_digests_send_due(now=now + timedelta(minutes=11)) == 0
    assert event_publish(event=draft) is False

    [alert] = OutboundEmail.objects.all()
    assert alert.to == wants.email
    assert alert.key == f"alert-digest:{wants.pk}:{timezone.localdate(now).isoformat()}"
    assert alert.subject.startswith("New canvassing session: Canvassing in Mickleover")
    assert alert.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert alert.headers["List-Unsubscribe"].startswith("<http")
    assert "Allestree Park car park" not in alert.body_text  # alerts are public details only
    assert "Unsubscribe: http" in alert.body_text
    assert (alert.person, alert.about) == (wants, draft.alert_digest)
    draft.refresh_from_db()
    assert draft.alerts_sent_at is not None


def test_messaging_the_people_going(canvass):
    going = RsvpFactory(event=canvass)
    RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)

    sent = event_message_people_going(
        event=canvass, subject="Bring a brolly", message="Rain is forecast. See https://example.org"
    )

    assert sent == 1
    email = OutboundEmail.objects.get()
    assert email.to == going.supporter.email
    assert email.subject == "Bring a brolly (Canvassing in Allestree)"
    assert '<a href="https://example.org"' in email.body_html
    with pytest.raises(SessionError):
        event_message_people_going(event=canvass, subject="", message="x")


def test_a_session_postcode_is_normalised_or_refused():
    from django.core.exceptions import ValidationError

    from tests.events.factories import EventFactory

    event = EventFactory.build(postcode="de221dz")
    event.full_clean(validate_unique=False)
    assert event.postcode == "DE22 1DZ"

    event.postcode = "not a postcode"
    with pytest.raises(ValidationError) as refused:
        event.full_clean(validate_unique=False)
    assert "postcode" in refused.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_alerts_render_once_per_mix_of_kinds_with_no_lock_held(monkeypatch):
    from events.services import alerts
    from tests.support.locks import row_is_free

    now = timezone.now()
    canvassers = SupporterFactory.create_batch(
        3, confirmed_at=now, wants_canvass_alerts=True, name="Jo <b>&"
    )
    both = SupporterFactory.create_batch(
        2, confirmed_at=now, wants_canvass_alerts=True, wants_phonebank_alerts=True, name=""
    )
    canvass = EventFactory(title="Canvassing in Darley Abbey")
    phonebank = EventFactory(phonebank=True, title="Thursday phonebank")
    renders = []

    def render(**kwargs):
        digest = AlertDigest.objects.get()
        free = [row_is_free(Event, canvass.pk), row_is_free(AlertDigest, digest.pk)]
        renders.append((len(kwargs["context"]["sessions"]), free))
        return real_render(**kwargs)

    real_render = alerts.outbox_render
    monkeypatch.setattr(alerts, "outbox_render", render)

    assert announce(canvass, phonebank, now=now) == 5

    assert sorted(renders) == [(1, [True, True]), (2, [True, True])]
    for person in canvassers:
        [alert] = OutboundEmail.objects.filter(person_id=person.pk)
        assert alert.body_text.startswith("Hello Jo <b>&,")
        assert "Hello Jo &lt;b&gt;&amp;," in alert.body_html
        assert "Canvassing in Darley Abbey" in alert.body_text
        assert "Thursday phonebank" not in alert.body_text
    for person in both:
        [alert] = OutboundEmail.objects.filter(person_id=person.pk)
        assert alert.body_text.startswith("Hello,")
        assert alert.subject == "2 new sessions: canvassing sessions and phonebanks"
        assert "Canvassing in Darley Abbey" in alert.body_text
        assert "Thursday phonebank" in alert.body_text
