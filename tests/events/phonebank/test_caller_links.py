"""The calling link travels only in a phonebank caller's own emails: the confirmation of
their place, their reminders; never for canvassing, the waiting list or a cancelled session."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.models import Rsvp
from events.phonebank.caller_selectors import caller_from_token
from events.services import event_cancel, reminders_send_due, rsvp_create
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://localhost:8000/events/calling/([^/\s]+)/")


def sign_up(event, email):
    rsvp_create(event=event, first_name="Robin", email=email)
    return Rsvp.objects.get(event=event, supporter__email=email)


def test_the_confirmation_of_a_phonebank_place_carries_the_caller_s_own_link():
    event = EventFactory(phonebank=True)
    rsvp = sign_up(event, "robin@example.org")

    email = OutboundEmail.objects.get(key__startswith="rsvp-confirm:")
    [token] = LINK.findall(email.body_text)
    assert f"/events/calling/{token}/" in email.body_html
    assert "Open my calling screen" in email.body_html
    assert caller_from_token(token=token) == rsvp
    other = sign_up(event, "kim@example.org")
    [other_token] = LINK.findall(OutboundEmail.objects.get(to="kim@example.org").body_text)
    assert other_token != token and caller_from_token(token=other_token) == other


def test_no_calling_link_for_canvassing_or_the_waiting_list():
    sign_up(EventFactory(), "robin@example.org")
    full = EventFactory(phonebank=True, capacity=1)
    sign_up(full, "first@example.org")
    sign_up(full, "second@example.org")  # waiting list

    assert not LINK.search(OutboundEmail.objects.get(to="robin@example.org").body_text)
    assert not LINK.search(OutboundEmail.objects.get(to="second@example.org").body_text)
    assert LINK.search(OutboundEmail.objects.get(to="first@example.org").body_text)


def test_reminders_carry_the_link_and_a_cancellation_notice_does_not():
    now = timezone.now()
    event = EventFactory(
        phonebank=True, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4)
    )
    rsvp = sign_up(event, "robin@example.org")
    Rsvp.objects.filter(pk=rsvp.pk).update(going_since=now - timedelta(days=2))

    assert reminders_send_due(now=now) == 1
    reminder = OutboundEmail.objects.get(key__startswith="reminder-")
    [token] = LINK.findall(reminder.body_text)
    assert caller_from_token(token=token) == rsvp

    event_cancel(event=event)
    notice = OutboundEmail.objects.exclude(key__startswith="reminder-").latest("pk")
    assert "cancel" in notice.key
    assert not LINK.search(notice.body_text)
