"""The public calendar, session page, sign-up form and cancel link."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.models import Rsvp
from events.tokens import rsvp_cancel_token
from tests.events.factories import EventFactory, RsvpFactory, next_saturday_at
from tests.support.forms import form_values
from volunteers.services import supporter_erase

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_calendar_groups_upcoming_sessions_by_day(client):
    saturday = next_saturday_at(10)
    EventFactory(title="Morning canvass", starts_at=saturday)
    EventFactory(title="Afternoon canvass", starts_at=saturday + timedelta(hours=4))
    EventFactory(title="Sunday phonebank", phonebank=True, starts_at=saturday + timedelta(days=1))
    EventFactory(
        title="Last week's canvass",
        starts_at=timezone.now() - timedelta(days=7),
        ends_at=timezone.now() - timedelta(days=7) + timedelta(hours=2),
    )
    EventFactory(title="Draft canvass", status="draft")
    EventFactory(title="Rained off", status="cancelled", starts_at=saturday + timedelta(hours=1))

    page = text(client.get("/events/"))

    headings = re.findall(r'<h2 id="day-[^"]+"[^>]*>([^<]+)</h2>', page)
    sunday = saturday.date() + timedelta(days=1)
    assert headings == [
        f"{saturday:%A} {saturday.day} {saturday:%B}",
        f"{sunday:%A} {sunday.day} {sunday:%B}",
    ]
    assert (
        page.index("Morning canvass") < page.index("Rained off") < page.index("Afternoon canvass")
    )
    assert "Last week" not in page and "Draft canvass" not in page
    assert "Cancelled: Rained off" in page and "This session is cancelled" in page


def test_the_calendar_filters_by_kind(client):
    EventFactory(title="Door knocking")
    EventFactory(title="Calling voters", phonebank=True)

    canvass = text(client.get("/events/?kind=canvass"))
    phonebank = text(client.get("/events/?kind=phonebank"))

    assert "Door knocking" in canvass and "Calling voters" not in canvass
    assert "Calling voters" in phonebank and "Door knocking" not in phonebank
    assert 'href="/events/?kind=phonebank" aria-current="page"' in phonebank


def test_the_month_view_moves_between_months(client):
    saturday = next_saturday_at(10, weeks=6)
    EventFactory(title="Later canvass", starts_at=saturday)
    month = f"{saturday:%Y-%m}"

    page = text(client.get(f"/events/?month={month}"))

    assert "Later canvass" in page
    assert f'href="#day-{saturday:%Y-%m-%d}"' in page
    following = (saturday.date().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f"month={following:%Y-%m}" in page
    assert client.get("/events/?month=2026-13").status_code == 200  # ignored, not an error


def test_a_session_page_shows_spots_left_and_the_form(client, canvass):
    canvass.capacity = 5
    canvass.save()
    RsvpFactory.create_batch(2, event=canvass)
    RsvpFactory(event=canvass, status=Rsvp.Status.CANCELLED)

    page = text(client.get("/events/canvassing-in-allestree/"))

    assert "3 spots left" in page
    assert 'name="first_name"' in page and 'name="join_mailing_list"' in page
    checkbox = re.search(r'<input[^>]*name="join_mailing_list"[^>]*>', page).group(0)
    assert 'type="checkbox"' in checkbox and "checked" not in checkbox  # unticked
    assert "calendar.google.com/calendar/render" in page
    assert "/events/canvassing-in-allestree/calendar.ics" in page
    assert "Sam" not in page  # nobody's name


def test_drafts_are_not_public(client):
    EventFactory(status="draft", slug="secret-draft")
    assert client.get("/events/secret-draft/").status_code == 404
    assert client.get("/events/secret-draft/calendar.ics").status_code == 404


def test_signing_up_through_the_form(client, canvass):
    response = client.post(
        "/events/canvassing-in-allestree/",
        {"first_name": "Priya", "email": "priya@example.org", "phone": "07700 900 777"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/events/canvassing-in-allestree/signed-up/"
    rsvp = Rsvp.objects.get()
    assert (rsvp.first_name, rsvp.phone, rsvp.status) == ("Priya", "+447700900777", "going")
    thanks = text(client.get(response["Location"]))
    assert "check your email" in thanks


def test_form_errors_are_shown_next_to_the_fields(client, canvass):
    response = client.post("/events/canvassing-in-allestree/", {"first_name": "", "email": "nope"})
    assert response.status_code == 200
    page = text(response)
    assert "This field is required." in page and "Enter a valid email address." in page
    assert not Rsvp.objects.exists()


def test_the_response_is_the_same_for_a_new_and_a_signed_up_address(client, canvass):
    data = {"first_name": "Sam", "email": "sam@example.org"}
    first = client.post("/events/canvassing-in-allestree/", data)
    second = client.post("/events/canvassing-in-allestree/", data)
    other = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Kim", "email": "kim@example.org"}
    )

    assert first.status_code == second.status_code == other.status_code == 302
    assert first["Location"] == second["Location"] == other["Location"]
    assert text(client.get(first["Location"])) == text(client.get(second["Location"]))


def test_a_full_session_says_so_and_the_person_joins_the_waiting_list(client, canvass):
    canvass.capacity = 1
    canvass.save()
    RsvpFactory(event=canvass)
    assert "Full: join the waiting list" in text(client.get("/events/canvassing-in-allestree/"))

    response = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Kim", "email": "kim@example.org"}
    )

    assert response["Location"].endswith("?list=waiting&position=1")
    page = text(client.get(response["Location"]))
    assert "waiting list: you are <strong>number 1</strong> in the queue" in page
    assert Rsvp.objects.get(supporter__email="kim@example.org").status == Rsvp.Status.WAITING
    next_one = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Lee", "email": "lee@example.org"}
    )
    assert "<strong>number 2</strong>" in text(client.get(next_one["Location"]))


def test_on_a_full_session_the_answer_is_the_same_for_someone_already_waiting(client, canvass):
    canvass.capacity = 1
    canvass.save()
    RsvpFactory(event=canvass)
    RsvpFactory(event=canvass, supporter__email="kim@example.org", status=Rsvp.Status.WAITING)

    again = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Kim", "email": "kim@example.org"}
    )
    # Kim's repeat changed nothing; a new address now is told the same place in the queue.
    new = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Ann", "email": "ann@example.org"}
    )

    assert (
        again["Location"]
        == new["Location"]
        == ("/events/canvassing-in-allestree/signed-up/?list=waiting&position=2")
    )
    # Kim's own email has Kim's real place.
    reminder = OutboundEmail.objects.get(key__startswith="rsvp-again:")
    assert "keep your place in the queue: number 1." in reminder.body_text


def test_the_rsvp_form_is_rate_limited(client, canvass):
    for number in range(10):
        client.post(
            "/events/canvassing-in-allestree/",
            {"first_name": "Sam", "email": f"sam{number}@example.org"},
        )
    response = client.post(
        "/events/canvassing-in-allestree/", {"first_name": "Sam", "email": "late@example.org"}
    )
    assert response.status_code == 429
    assert "Too many sign-ups" in text(response)
    assert Rsvp.objects.count() == 10


def test_the_signed_cancel_link_asks_then_cancels_and_promotes(client, canvass):
    canvass.capacity = 1
    canvass.save()
    going = RsvpFactory(event=canvass)
    waiting = RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)
    url = f"/events/cancel/{rsvp_cancel_token(going)}/"

    confirm = client.get(url)
    assert "Cancel my place" in text(confirm)
    going.refresh_from_db()
    assert going.status == Rsvp.Status.GOING  # a link scanner's GET changes nothing

    done = client.post(url)
    assert "You are no longer signed up" in text(done)
    assert "your place goes to the next person waiting" in text(done)
    waiting.refresh_from_db()
    assert waiting.status == Rsvp.Status.GOING
    assert OutboundEmail.objects.filter(key__startswith="rsvp-promoted:").count() == 1
    assert "You are no longer signed up" in text(client.post(url))  # again: no change


def test_the_cancel_page_passes_the_place_on_only_when_someone_waits(client, canvass):
    going = RsvpFactory(event=canvass)
    waiting = RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None)

    left_queue = text(client.post(f"/events/cancel/{rsvp_cancel_token(waiting)}/"))
    assert "You are no longer signed up" in left_queue
    assert "next person waiting" not in left_queue

    done = text(client.post(f"/events/cancel/{rsvp_cancel_token(going)}/"))
    assert "You are no longer signed up" in done
    assert "Thank you for letting us know." in done
    assert "next person waiting" not in done  # nobody waits now


def test_a_tampered_cancel_link_does_nothing(client, canvass):
    going = RsvpFactory(event=canvass)
    token = rsvp_cancel_token(going)
    response = client.post(f"/events/cancel/{token[:-2]}xx/")
    assert response.status_code == 404
    going.refresh_from_db()
    assert going.status == Rsvp.Status.GOING


def test_an_erased_person_s_cancel_link_is_like_any_unknown_link(client, canvass):
    going = RsvpFactory(event=canvass)
    url = f"/events/cancel/{rsvp_cancel_token(going)}/"
    supporter_erase(supporter=going.supporter)

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404  # was 200, with the session's title
        assert "This link does not work" in text(response)
        assert canvass.title not in text(response)


def test_the_home_page_lists_the_next_sessions_of_each_kind(client):
    for week in range(1, 6):
        EventFactory(title=f"Canvass week {week}", starts_at=next_saturday_at(10, weeks=week))
    EventFactory(title="Phone from home", phonebank=True)

    page = text(client.get("/"))

    assert "Canvass week 1" in page and "Canvass week 3" in page
    assert "Canvass week 4" not in page
    assert "Phone from home" in page
    assert 'href="/events/?kind=canvass"' in page


@pytest.mark.parametrize("path", ["/events/", "/events/calendar.ics"])
def test_head_requests_are_answered_like_get(client, path):
    assert client.head(path).status_code == 200


def test_an_empty_month_is_described_by_its_name(client):
    today = timezone.localdate()
    later = (today.replace(day=1) + timedelta(days=100)).replace(day=1)

    this_month = client.get(f"/events/?month={today:%Y-%m}").content.decode()
    future = client.get(f"/events/?month={later:%Y-%m}").content.decode()

    assert f"for the rest of {today:%B} yet" in this_month
    assert f"in {later:%B %Y} yet" in future


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ({"email": "priya@example"}, "Enter a valid email address"),
        ({"phone": "12345"}, "Enter a UK phone number"),
        ({"first_name": "  "}, "This field is required"),
    ],
)
def test_a_sign_up_error_keeps_every_valid_answer(client, wrong, message):
    event = EventFactory(slug="kept")
    answers = {
        "first_name": "Priya",
        "email": "priya@example.org",
        "phone": "07700 900123",
        "join_mailing_list": "on",
    }

    response = client.post("/events/kept/", {**answers, **wrong})

    assert message in text(response)
    values = form_values(text(response))
    kept = {name: value for name, value in answers.items() if name not in wrong}
    assert {name: values.get(name) for name in kept} == kept
    assert not Rsvp.objects.filter(event=event).exists()


def test_a_month_in_the_past_is_described_as_past(client):
    today = timezone.localdate()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)

    page = text(client.get(f"/events/?month={last_month:%Y-%m}"))

    assert f"{last_month:%B %Y} is in the past" in page
    assert "No sessions are planned" not in page and "yet." not in page
    assert f'href="/events/?month={today:%Y-%m}"' in page
