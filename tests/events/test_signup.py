"""Sign-ups, the waiting list, cancelling and promotion (services, on the test database)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.models import Event, Rsvp
from events.services import SignupClosed, rsvp_cancel, rsvp_create
from tests.events.factories import EventFactory, RsvpFactory
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db


def sign_up(event, email, first_name="Sam", **kwargs):
    return rsvp_create(event=event, first_name=first_name, email=email, **kwargs)


def test_signup_creates_supporter_place_and_confirmation_with_private_details(canvass):
    outcome = sign_up(canvass, "Sam@Example.org", phone="07700 900456")

    assert outcome.full is False
    supporter = Supporter.objects.get(email="sam@example.org")
    rsvp = Rsvp.objects.get(event=canvass, supporter=supporter)
    assert rsvp.status == Rsvp.Status.GOING and rsvp.going_since is not None
    [email] = OutboundEmail.objects.all()
    assert email.key.startswith(f"rsvp-confirm:{rsvp.pk}:")
    assert email.to == "sam@example.org"
    assert email.subject.startswith("You're going: Canvassing in Allestree")
    assert "Allestree Park car park, Duffield Road" in email.body_text
    assert "/events/cancel/" in email.body_text and "/events/cancel/" in email.body_html
    [attachment] = email.attachments
    assert attachment["mimetype"] == "text/calendar; method=PUBLISH"
    assert "Allestree Park car park" in attachment["content"]
    # Joining a session does not put anyone on the mailing list.
    assert supporter.confirmed_at is None and not supporter.wants_updates


def test_the_signup_reuses_the_supporter_by_email(canvass):
    existing = Supporter.objects.create(email="kim@example.org", name="Kim")
    sign_up(canvass, "KIM@example.org", first_name="Kim")
    assert Supporter.objects.count() == 1
    assert Rsvp.objects.get().supporter == existing


def test_a_full_session_puts_the_next_person_on_the_waiting_list(canvass):
    canvass.capacity = 1
    canvass.save()
    assert sign_up(canvass, "first@example.org").full is False

    outcome = sign_up(canvass, "second@example.org")

    assert outcome.full is True
    waiting = Rsvp.objects.get(supporter__email="second@example.org")
    assert waiting.status == Rsvp.Status.WAITING and waiting.going_since is None
    email = OutboundEmail.objects.get(to="second@example.org")
    assert email.key.startswith("rsvp-waiting:")
    assert "waiting list" in email.subject
    assert "Allestree Park car park" not in email.body_text  # the meeting point comes with a place
    assert email.attachments == []


def test_cancelling_frees_the_spot_for_the_first_person_waiting(canvass):
    canvass.capacity = 1
    canvass.save()
    sign_up(canvass, "first@example.org")
    sign_up(canvass, "second@example.org")
    sign_up(canvass, "third@example.org")
    first = Rsvp.objects.get(supporter__email="first@example.org")

    rsvp_cancel(rsvp=first)

    statuses = dict(Rsvp.objects.values_list("supporter__email", "status"))
    assert statuses == {
        "first@example.org": "cancelled",
        "second@example.org": "going",
        "third@example.org": "waiting",
    }
    promoted = OutboundEmail.objects.get(key__startswith="rsvp-promoted:")
    assert promoted.to == "second@example.org"
    assert "A place came free" in promoted.subject
    assert "Allestree Park car park" in promoted.body_text
    assert promoted.attachments[0]["filename"].endswith(".ics")


def test_cancelling_twice_changes_nothing_more(canvass):
    canvass.capacity = 1
    canvass.save()
    sign_up(canvass, "first@example.org")
    sign_up(canvass, "second@example.org")
    first = Rsvp.objects.get(supporter__email="first@example.org")
    rsvp_cancel(rsvp=first)
    rsvp_cancel(rsvp=first)
    assert OutboundEmail.objects.filter(key__startswith="rsvp-promoted:").count() == 1


def test_the_outcome_does_not_depend_on_whether_the_address_was_signed_up(canvass):
    canvass.capacity = 2
    canvass.save()
    first = sign_up(canvass, "sam@example.org")
    again = sign_up(canvass, "SAM@example.org")

    assert first == again
    assert Rsvp.objects.count() == 1
    # The real owner of the address learns about the second attempt by email.
    reminder = OutboundEmail.objects.get(key__startswith="rsvp-again:")
    assert reminder.to == "sam@example.org"
    assert "already going" in reminder.body_text
    # A second repeat within the hour does not email again (no flooding a person).
    sign_up(canvass, "sam@example.org")
    assert OutboundEmail.objects.filter(key__startswith="rsvp-again:").count() == 1


def test_someone_who_cancelled_can_sign_up_again(canvass):
    sign_up(canvass, "sam@example.org")
    rsvp_cancel(rsvp=Rsvp.objects.get())
    sign_up(canvass, "sam@example.org", now=timezone.now() + timedelta(seconds=5))
    rsvp = Rsvp.objects.get()
    assert rsvp.status == Rsvp.Status.GOING and rsvp.cancelled_at is None
    assert OutboundEmail.objects.filter(key__startswith=f"rsvp-confirm:{rsvp.pk}:").count() == 2


@pytest.mark.parametrize("status", [Event.Status.DRAFT, Event.Status.CANCELLED])
def test_drafts_and_cancelled_sessions_take_no_signups(status):
    event = EventFactory(status=status)
    with pytest.raises(SignupClosed):
        sign_up(event, "sam@example.org")
    assert not Rsvp.objects.exists()


def test_finished_sessions_take_no_signups():
    event = EventFactory(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(SignupClosed):
        sign_up(event, "sam@example.org")


def test_joining_the_mailing_list_is_a_separate_consent(canvass):
    sign_up(canvass, "sam@example.org", join_mailing_list=True, page="/events/x/")

    supporter = Supporter.objects.get()
    consent = supporter.consents.get()
    assert consent.wants_updates and consent.wants_canvass_alerts
    assert not consent.wants_phonebank_alerts
    keys = set(OutboundEmail.objects.values_list("key", flat=True))
    assert any(key.startswith("rsvp-confirm:") for key in keys)
    assert len(keys) == 2  # the session confirmation and the list's double opt-in


def test_unlimited_sessions_never_fill(canvass):
    RsvpFactory.create_batch(30, event=canvass)
    assert sign_up(canvass, "sam@example.org").full is False
    assert Rsvp.objects.get(supporter__email="sam@example.org").status == Rsvp.Status.GOING
