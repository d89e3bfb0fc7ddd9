"""The caller's screen through its signed link: who gets in and when, one contact at a time,
the result before the next, changing the last three, "I'm done for today", the practice call
(which saves nothing), the script's rules applied on saving, and the volunteer's email."""

import html
import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.ratelimit import RateLimit
from events.ics import LONDON
from events.models import Event, Rsvp
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import (
    CallAnswer,
    CallAssignment,
    CallRecord,
    CallResult,
    Contact,
    DoNotCall,
    NumberShown,
    OpinionAnswer,
)
from events.phonebank.services import caller_suspend, phonebank_settings_update
from events.phonebank.tokens import caller_url
from events.tokens import rsvp_cancel_token
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import steps_by_label
from volunteers.models import Consent, Supporter
from volunteers.services import supporter_erase

pytestmark = pytest.mark.django_db

NEVER_CACHE = {"no-cache", "no-store", "must-revalidate", "private"}


@pytest.fixture(autouse=True)
def calling_all_day():
    """Calling hours around the clock, so these tests run at any hour; the hours
    themselves are tested in test_hours.py and below."""
    hours = phonebank_settings_get()
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)
    return hours


def path_of(rsvp) -> str:
    return caller_url(rsvp).removeprefix(settings.SITE_URL)


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def post(client, rsvp, **data):
    return client.post(path_of(rsvp), data)


def claim(client, rsvp):
    return post(client, rsvp, action="next")


def held(rsvp) -> CallAssignment | None:
    return CallAssignment.objects.filter(held_by=rsvp, status="held").first()


def save_result(client, rsvp, result, **answers):
    assignment = held(rsvp)
    return post(
        client,
        rsvp,
        action="result",
        assignment=assignment.pk if assignment else "",
        result=result,
        **answers,
    )


@pytest.fixture
def caller(make_caller):
    return make_caller(first_name="Robin")


def record_a_call(client, caller, result=CallResult.NO_ANSWER, **answers):
    claim(client, caller)
    response = save_result(client, caller, result, **answers)
    assert response.status_code == 200
    return response


# Who gets in, and when


def test_the_link_opens_the_screen_for_the_caller_and_is_never_cached(
    client, caller, call_list, make_contacts
):
    make_contacts(1)
    response = client.get(path_of(caller))

    assert response.status_code == 200
    assert "How calling works" in text(response)
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives >= NEVER_CACHE
    assert 'name="robots" content="noindex, nofollow"' in text(response)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "0" * 32 + token[32:],  # another uid, the old signature
    ],
)
def test_a_bad_token_opens_nothing(client, caller, call_list, make_contacts, mangle):
    make_contacts(1)
    token = path_of(caller).split("/")[-2]

    response = client.get(f"/events/calling/{mangle(token)}/")
    assert response.status_code == 404
    assert "This calling link does not work" in text(response)
    assert client.post(f"/events/calling/{mangle(token)}/", {"action": "next"}).status_code == 404
    assert NumberShown.objects.count() == 0


def test_an_erased_person_s_calling_link_is_like_any_unknown_link(client, caller, call_list):
    supporter_erase(supporter=caller.supporter)

    response = client.get(path_of(caller))

    assert response.status_code == 404
    assert "This calling link does not work" in text(response)
    assert caller.event.title not in text(response)


def test_another_link_of_the_same_person_is_not_a_calling_link(client, caller):
    cancel_token = rsvp_cancel_token(caller)

    assert client.get(f"/events/calling/{cancel_token}/").status_code == 404
    assert client.get(f"/events/calling/{caller.uid.hex}/").status_code == 404


def test_a_link_for_a_session_that_is_not_a_phonebank_opens_nothing(client, make_contacts):
    make_contacts(1)
    canvasser = RsvpFactory(
        event=EventFactory(starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=2))
    )

    response = claim(client, canvasser)

    assert response.status_code == 404
    assert "This link is not for a phonebank" in text(response)
    assert NumberShown.objects.count() == 0


def test_a_suspended_caller_s_link_stops_working_at_once(
    client, caller, call_list, make_contacts, admin_user
):
    make_contacts(2)
    record_a_call(client, caller)
    claim(client, caller)
    assert held(caller) is not None

    caller_suspend(caller=caller, reason="Rude to a voter", actor=admin_user)

    page = client.get(path_of(caller))
    assert page.status_code == 403
    assert "Your calling is paused" in text(page)
    assert "Pat" not in text(page)
    assert claim(client, caller).status_code == 403
    assert held(caller) is None
    assert NumberShown.objects.count() == 2  # nothing more was shown


def test_someone_who_left_the_session_cannot_call(client, make_caller, call_list, make_contacts):
    make_contacts(1)
    cancelled = make_caller(status=Rsvp.Status.CANCELLED)
    waiting = make_caller(status=Rsvp.Status.WAITING)

    for rsvp in (cancelled, waiting):
        response = claim(client, rsvp)
        assert response.status_code == 403
        assert "You are not signed up for this session" in text(response)
    assert NumberShown.objects.count() == 0


def test_before_the_window_it_says_when_calling_opens(client, call_list, make_contacts, now):
    make_contacts(1)
    later = EventFactory(
        phonebank=True, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=4)
    )
    call_list.sessions.add(later)
    early = RsvpFactory(event=later)
    opens = (later.starts_at - timedelta(minutes=30)).astimezone(LONDON)

    page = client.get(path_of(early))
    assert page.status_code == 200
    assert f"Calling opens at {opens:%H:%M}" in text(page)
    assert "opens 30 minutes before the session starts" in text(page)

    response = claim(client, early)
    assert f"Calling opens at {opens:%H:%M}" in text(response)
    assert held(early) is None and NumberShown.objects.count() == 0


def test_outside_calling_hours_it_says_when_calling_opens(
    client, caller, call_list, make_contacts, calling_all_day, now
):
    make_contacts(1)
    local = now.astimezone(LONDON)
    # Hours that have not begun today: an hour's calling from the next full hour (or, late at
    # night, hours that are over): either way, not now.
    if local.hour < 22:
        opens = time(local.hour + 1)
        closes = time(local.hour + 2)
    else:
        opens, closes = time(8), time(9)
    calling_all_day.weekday_opens = calling_all_day.sunday_opens = opens
    calling_all_day.weekday_closes = calling_all_day.sunday_closes = closes
    calling_all_day.save()
    Event.objects.filter(pk=caller.event_id).update(ends_at=now + timedelta(days=2))

    page = client.get(path_of(caller))

    assert page.status_code == 200
    assert "Calling opens at" in text(page)
    assert "outside the campaign's calling hours" in text(page)
    assert f"{opens:%H:%M} to {closes:%H:%M} Monday to Saturday" in text(page)
    claim(client, caller)
    assert held(caller) is None and NumberShown.objects.count() == 0


def test_after_the_session_it_says_calling_has_finished(client, call_list, make_contacts, now):
    make_contacts(1)
    past = EventFactory(
        phonebank=True, starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1)
    )
    call_list.sessions.add(past)
    late = RsvpFactory(event=past)

    page = claim(client, late)

    assert "Calling has finished" in text(page)
    assert held(late) is None


def test_the_screen_says_when_calls_close_and_then_that_they_have(
    client, caller, call_list, make_contacts, now
):
    make_contacts(2)
    record_a_call(client, caller)  # past the how-to
    ends = caller.event.ends_at.astimezone(LONDON)

    ready = client.get(path_of(caller))
    assert f"Calls close at {ends:%H:%M}." in text(ready)

    Event.objects.filter(pk=caller.event_id).update(ends_at=now + timedelta(minutes=4))
    last = (now + timedelta(minutes=4) - timedelta(minutes=5)).astimezone(LONDON)
    closed = f"Calling for this session has closed: the last calls start by {last:%H:%M}."
    assert closed in text(client.get(path_of(caller)))
    refused = claim(client, caller)
    assert closed in text(refused)
    assert held(caller) is None


def test_a_cancelled_session_says_so(client, caller, call_list):
    Event.objects.filter(pk=caller.event_id).update(status=Event.Status.CANCELLED)

    assert "This session was cancelled" in text(client.get(path_of(caller)))


def test_no_open_list_says_there_is_no_one_to_call_yet(client, caller):
    record = client.get(path_of(caller) + "?view=practice")
    assert "No call list is open for this session yet" in text(record)


# One contact at a time


def test_the_contact_shows_first_name_number_and_district_only(
    client, caller, call_list, make_contacts
):
    (contact,) = make_contacts(1, first_name="Priya", surname="Kaur", postcode="DE22 4AB")

    page = text(claim(client, caller))

    assert "Priya" in page
    assert 'href="tel:+447700900000"' in page and "07700 900000" in page
    assert "Lives in DE22" in page
    assert "Kaur" not in page and "4AB" not in page
    assert "Kept for you for <span data-held-left>15 more minutes</span>" in page
    assert "Hello, is that Priya? I'm a volunteer." in page  # the script, filled in
    assert "I'm a volunteer calling for" in page  # the privacy line
    assert held(caller).contact == contact


def test_the_result_comes_before_the_next_contact(client, caller, call_list, make_contacts):
    first, second = make_contacts(2)
    claim(client, caller)

    again = text(claim(client, caller))  # a reload, or "next" without a result
    assert first.first_name in again
    assert held(caller).contact == first
    missing = text(post(client, caller, action="result", assignment=held(caller).pk))
    assert "Choose how the call went." in missing
    assert CallRecord.objects.count() == 0

    saved = text(save_result(client, caller, CallResult.NO_ANSWER))
    assert f"Saved: {first.first_name}, No answer." in saved
    assert "Ready for the next call?" in saved
    assert held(caller) is None
    assert second.first_name in text(claim(client, caller))
    assert held(caller).contact == second


def test_a_reloaded_result_is_not_saved_twice(client, caller, call_list, make_contacts):
    make_contacts(2)
    claim(client, caller)
    assignment = held(caller)
    data = {"action": "result", "assignment": assignment.pk, "result": CallResult.BUSY}

    client.post(path_of(caller), data)
    again = client.post(path_of(caller), data)

    assert "Already saved" in text(again)
    assert CallRecord.objects.count() == 1


def test_a_caller_cannot_save_a_result_for_someone_else_s_contact(
    client, caller, make_caller, call_list, make_contacts
):
    make_contacts(2)
    other = make_caller(first_name="Jo")
    claim(client, other)
    theirs = held(other)

    response = post(
        client, caller, action="result", assignment=theirs.pk, result=CallResult.DO_NOT_CALL
    )

    assert "This contact is no longer with you" in text(response)
    assert CallRecord.objects.count() == 0 and DoNotCall.objects.count() == 0
    assert held(other) == theirs
    # Nor change another caller's result.
    save_result(client, other, CallResult.NO_ANSWER)
    record = CallRecord.objects.get()
    refused = post(client, caller, action="change", record=record.pk, result=CallResult.SPOKE)
    assert "You can change only your own last three results" in text(refused)
    assert client.get(path_of(caller) + f"?change={record.pk}").status_code == 200
    record.refresh_from_db()
    assert record.result == CallResult.NO_ANSWER and record.changed_at is None


def test_call_back_later_needs_a_time_in_the_future(client, caller, call_list, make_contacts, now):
    make_contacts(1)
    claim(client, caller)

    assert "Say when to call them back" in text(save_result(client, caller, CallResult.CALL_BACK))
    past = (now - timedelta(hours=1)).astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")
    assert "must be in the future" in text(
        save_result(client, caller, CallResult.CALL_BACK, callback_at=past)
    )
    assert CallRecord.objects.count() == 0
    later = (now + timedelta(days=1)).astimezone(LONDON).replace(second=0, microsecond=0)
    saved = save_result(
        client, caller, CallResult.CALL_BACK, callback_at=later.strftime("%Y-%m-%dT%H:%M")
    )

    assert "call back" in text(saved)
    assert CallRecord.objects.get().callback_at == later


# The script, applied on saving


def test_a_conversation_saves_its_answers_with_opinions_kept_apart(
    client, caller, call_list, make_contacts, script
):
    make_contacts(1)
    steps = steps_by_label(script)
    claim(client, caller)

    response = save_result(
        client,
        caller,
        CallResult.SPOKE,
        **{
            f"step_{steps['Agreement'].pk}": "Yes",
            f"step_{steps['Voting intention'].pk}": "Chris",
            f"step_{steps['Help'].pk}": ["Leaflets", "Phoning"],
            f"step_{steps['Note'].pk}": "Prefers evenings",
        },
    )

    assert "Saved:" in text(response)
    record = CallRecord.objects.get()
    assert record.result == CallResult.SPOKE
    assert set(CallAnswer.objects.values_list("value", flat=True)) == {
        "Yes",
        "Leaflets",
        "Phoning",
        "Prefers evenings",
    }
    assert list(OpinionAnswer.objects.values_list("value", flat=True)) == ["Chris"]


def test_an_opinion_without_their_agreement_is_refused_and_nothing_is_lost(
    client, caller, call_list, make_contacts, script
):
    make_contacts(1)
    steps = steps_by_label(script)
    claim(client, caller)
    answers = {
        f"step_{steps['Agreement'].pk}": "No",
        f"step_{steps['Voting intention'].pk}": "Someone else",
        f"step_{steps['Note'].pk}": "Keep this note",
    }

    response = text(save_result(client, caller, CallResult.SPOKE, **answers))

    assert "Nothing is saved yet" in response
    assert 'They did not say yes to "May we note your answer?"' in response
    assert "Keep this note" in response  # what they typed is still there
    assert 'value="Someone else" data-then="next" checked' in response
    assert CallRecord.objects.count() == 0 and OpinionAnswer.objects.count() == 0
    assert held(caller) is not None


def test_answers_the_script_skipped_are_left_out_and_the_caller_is_told(
    client, caller, call_list, make_contacts, script
):
    make_contacts(1)
    steps = steps_by_label(script)
    claim(client, caller)

    response = text(
        save_result(
            client,
            caller,
            CallResult.SPOKE,
            **{
                f"step_{steps['Help'].pk}": "No",  # "No" ends the script
                f"step_{steps['Note'].pk}": "Typed anyway",
            },
        )
    )

    assert 'Your answer to "Note" was not saved: the call ends after "Help".' in response
    assert list(CallAnswer.objects.values_list("value", flat=True)) == ["No"]


def test_answers_are_kept_only_when_they_spoke_to_them(
    client, caller, call_list, make_contacts, script
):
    make_contacts(1)
    steps = steps_by_label(script)
    claim(client, caller)

    response = text(
        save_result(client, caller, CallResult.VOICEMAIL, **{f"step_{steps['Note'].pk}": "Hi"})
    )

    assert "answers were not saved: they are kept only when you spoke to them" in response
    assert CallRecord.objects.get().result == CallResult.VOICEMAIL
    assert CallAnswer.objects.count() == 0


# A volunteer's email


def test_a_contact_who_wants_to_help_gets_the_mailing_list_s_own_confirmation(
    client, caller, call_list, make_contacts
):
    (contact,) = make_contacts(1, first_name="Dev")
    claim(client, caller)

    response = text(
        save_result(client, caller, CallResult.SPOKE, volunteer_email="Dev@Example.org")
    )

    assert "Dev will get an email to confirm" in response
    supporter = Supporter.objects.get(email="dev@example.org")
    assert not supporter.is_subscribed  # not until they confirm themselves
    consent = Consent.objects.get(supporter=supporter)
    assert consent.confirmed_at is None and consent.wants_updates
    email = OutboundEmail.objects.get(to="dev@example.org")
    assert email.key == f"signup-confirm:{consent.pk}"
    assert "/confirm/" in email.body_text


def test_an_email_with_no_conversation_or_a_bad_address_is_refused(
    client, caller, call_list, make_contacts
):
    make_contacts(1)
    claim(client, caller)

    wrong_result = text(
        save_result(client, caller, CallResult.NO_ANSWER, volunteer_email="dev@example.org")
    )
    bad = text(save_result(client, caller, CallResult.SPOKE, volunteer_email="dev@example"))

    assert "An email can only be taken when you spoke to them" in wrong_result
    assert "That email address does not look right" in bad
    assert 'value="dev@example"' in bad
    assert CallRecord.objects.count() == 0
    assert not Supporter.objects.filter(email__startswith="dev").exists()


# Changing the last three, and done for today


def test_a_caller_changes_one_of_their_last_three_results(
    client, caller, call_list, make_contacts, script
):
    contacts = make_contacts(4)
    for result in (CallResult.BUSY, CallResult.NO_ANSWER, CallResult.DO_NOT_CALL, CallResult.BUSY):
        record_a_call(client, caller, result)
    records = list(CallRecord.objects.order_by("recorded_at", "pk"))
    page = text(client.get(path_of(caller)))
    shown = re.findall(r"\?change=(\d+)", page)
    assert shown == [str(record.pk) for record in reversed(records[1:])]
    assert "Ready for the next call?" in page

    # The third call was "Don't call again" by mistake: it was a conversation.
    mistaken = records[2]
    assert DoNotCall.objects.filter(phone=contacts[2].phone).exists()
    form = text(client.get(path_of(caller) + f"?change={mistaken.pk}"))
    assert f"Change the result for {contacts[2].first_name}" in form
    assert 'value="do_not_call" checked' in form
    steps = steps_by_label(script)
    changed = text(
        post(
            client,
            caller,
            action="change",
            record=mistaken.pk,
            result=CallResult.SPOKE,
            **{f"step_{steps['Help'].pk}": "Leaflets"},
        )
    )

    assert f"Changed: {contacts[2].first_name}, now Spoke to them." in changed
    mistaken.refresh_from_db()
    assert mistaken.result == CallResult.SPOKE
    assert not DoNotCall.objects.filter(phone=contacts[2].phone).exists()
    assert list(CallAnswer.objects.values_list("value", flat=True)) == ["Leaflets"]
    # The oldest is no longer one of the last three.
    refused = post(client, caller, action="change", record=records[0].pk, result=CallResult.SPOKE)
    assert "You can change only your own last three results" in text(refused)
    records[0].refresh_from_db()
    assert records[0].result == CallResult.BUSY


def test_a_change_keeps_the_answers_it_is_shown_with(
    client, caller, call_list, make_contacts, script
):
    make_contacts(1)
    steps = steps_by_label(script)
    claim(client, caller)
    save_result(
        client,
        caller,
        CallResult.SPOKE,
        **{f"step_{steps['Agreement'].pk}": "Yes", f"step_{steps['Voting intention'].pk}": "Chris"},
    )
    record = CallRecord.objects.get()

    form = text(client.get(path_of(caller) + f"?change={record.pk}"))

    assert 'value="Chris" data-then="next" checked' in form
    assert 'value="Yes" data-then="next" checked' in form
    assert "Their email address" not in form  # no second sign-up from a change


def test_done_for_today_gives_back_what_the_caller_holds(
    client, caller, make_caller, call_list, make_contacts
):
    make_contacts(1)
    record_a_call(client, caller)
    Contact.objects.all().delete()
    make_contacts(1, start=10)
    claim(client, caller)
    assert held(caller) is not None

    response = text(post(client, caller, action="done"))

    assert "Thank you, Robin!" in response
    assert "gone back to the list for another caller" in response
    assert held(caller) is None
    other = make_caller()
    claim(client, other)
    assert held(other) is not None


# The first time: how it works and the practice call


def test_a_first_timer_gets_the_how_to_then_a_practice_call_that_saves_nothing(
    client, caller, call_list, make_contacts, script
):
    make_contacts(2)
    steps = steps_by_label(script)
    first = text(client.get(path_of(caller)))
    assert "How calling works" in first
    assert "do not withhold it (no 141)" in first
    assert "Try a practice call" in first and "Jo (organiser)" in first

    practice = text(client.get(path_of(caller) + "?view=practice"))
    assert "Practice call with" in practice and "Alex" in practice
    assert "Hello, is that Alex?" in practice  # the list's real script
    assert 'href="tel:' not in practice
    done = text(
        post(
            client,
            caller,
            action="practice",
            result=CallResult.SPOKE,
            volunteer_email="alex@example.org",
            **{
                f"step_{steps['Agreement'].pk}": "Yes",
                f"step_{steps['Voting intention'].pk}": "Chris",
            },
        )
    )

    assert "Practice call done" in done and "Nothing was saved" in done
    assert "Voting intention" in done and "Chris" in done
    assert CallRecord.objects.count() == 0
    assert NumberShown.objects.count() == 0
    assert CallAnswer.objects.count() == OpinionAnswer.objects.count() == 0
    assert not CallAssignment.objects.exclude(status="waiting").exists()
    assert OutboundEmail.objects.count() == 0
    assert not Supporter.objects.filter(email="alex@example.org").exists()
    # The practice still shows the script's rules.
    refused = text(
        post(
            client,
            caller,
            action="practice",
            result=CallResult.SPOKE,
            **{f"step_{steps['Voting intention'].pk}": "Chris"},
        )
    )
    assert 'They did not say yes to "May we note your answer?"' in refused
    assert "Start real calls" in done
    assert held(caller) is None
    claim(client, caller)
    assert held(caller) is not None


def test_the_claim_limit_follows_the_caller_to_a_new_address(
    client, caller, call_list, make_contacts, monkeypatch
):
    make_contacts(2)
    monkeypatch.setattr(
        "events.phonebank.views.CLAIM_RATE",
        RateLimit(scope="phonebank-claim", limit=2, window_seconds=600),
    )
    for _ in range(2):
        client.post(path_of(caller), {"action": "next"}, REMOTE_ADDR="198.51.100.1")

    moved = client.post(path_of(caller), {"action": "next"}, REMOTE_ADDR="203.0.113.9")

    assert "That is a lot of contacts in a few minutes" in text(moved)
    other = RsvpFactory(event=caller.event)
    fresh = client.post(path_of(other), {"action": "next"}, REMOTE_ADDR="198.51.100.1")
    assert "That is a lot of contacts" not in text(fresh)  # each caller their own count


def test_someone_who_has_called_before_goes_straight_to_calling(
    client, make_caller, call_list, make_contacts, now
):
    make_contacts(2)
    caller = make_caller()
    record_a_call(client, caller)
    # A later session: the same person, no how-to this time.
    again = RsvpFactory(event=caller.event.__class__.objects.get(pk=caller.event_id))
    assert again.supporter != caller.supporter
    same_person = RsvpFactory(
        supporter=caller.supporter,
        event=EventFactory(phonebank=True, starts_at=now, ends_at=now + timedelta(hours=1)),
    )
    call_list.sessions.add(same_person.event)

    page = text(client.get(path_of(same_person)))

    assert "Ready for the next call?" in page
    assert "How calling works" in page  # still a link away


def test_after_a_save_the_screen_counts_tonight_s_calls(client, caller, call_list, make_contacts):
    first, second, third = make_contacts(3)
    record_a_call(client, caller)
    CallRecord.objects.update(recorded_at=timezone.now() - timedelta(days=1))  # last night

    saved = text(record_a_call(client, caller, CallResult.SPOKE))
    assert f"Saved: {second.first_name}, Spoke to them." in saved
    assert "You have made 1 call tonight." in saved
    assert "Your last calls" in saved

    assert "You have made 2 calls tonight." in text(record_a_call(client, caller))
