"""'My sessions': the signed page of a person's own sessions, linked from every session
email, and the form on /events/ that sends the link again."""

import re
import statistics
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign_site.celery import app as celery_app
from campaign_site.core.models import OutboundEmail
from events.emails import my_sessions_path
from events.models import Rsvp
from events.services import (
    event_cancel,
    event_message_people_going,
    event_update,
    reminders_send_due,
    rsvp_cancel,
    rsvp_create,
)
from events.views import MY_SESSIONS_RATE
from tests.events.factories import EventFactory, RsvpFactory, SupporterFactory
from tests.events.helpers import unfolded
from volunteers.services import supporter_erase

pytestmark = pytest.mark.django_db

MY_SESSIONS_LINK = re.compile(r"http://localhost:8000(/events/my-sessions/[^/\s\"]+/)")


def text(response) -> str:
    return response.content.decode()


def test_every_session_email_links_to_the_persons_own_sessions():
    event = EventFactory(capacity=1, slug="full-one")
    rsvp_create(event=event, first_name="Ann", email="ann@example.org")  # confirmation
    rsvp_create(event=event, first_name="Bob", email="bob@example.org")  # waiting list
    rsvp_create(event=event, first_name="Bob", email="bob@example.org")  # again
    rsvp_cancel(rsvp=Rsvp.objects.get(first_name="Ann"))  # Bob promoted
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    event_update(event=event)  # change notice
    event_message_people_going(event=event, subject="Parking", message="Use the side road.")
    soon = EventFactory(
        slug="soon",
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=4),
    )
    RsvpFactory(event=soon, supporter__email="cat@example.org")
    reminders_send_due()  # reminder
    event_cancel(event=event)  # cancellation notice

    kinds = set()
    for email in OutboundEmail.objects.all():
        kinds.add(email.key.split(":")[0])
        supporter_path = MY_SESSIONS_LINK.search(email.body_text).group(1)
        assert MY_SESSIONS_LINK.search(email.body_html).group(1) == supporter_path
        owner = Rsvp.objects.get(supporter__email=email.to, event__in=[event, soon]).supporter
        assert supporter_path == my_sessions_path(owner)
    assert kinds == {
        "rsvp-confirm",
        "rsvp-waiting",
        "rsvp-again",
        "rsvp-promoted",
        "event-changed",
        "event-message",
        "reminder-soon",
        "event-cancelled",
    }


@pytest.fixture
def volunteer():
    supporter = SupporterFactory(email="dee@example.org")
    canvass = EventFactory(title="Canvassing in Allestree", slug="allestree", capacity=1)
    RsvpFactory(event=canvass, supporter=supporter, first_name="Dee")
    full = EventFactory(
        title="Canvassing in Oakwood",
        slug="oakwood",
        capacity=1,
        place_name="Oakwood Inn",
        public_area="Oakwood, DE21",
    )
    RsvpFactory(event=full)
    RsvpFactory(
        event=full, status="waiting", going_since=None, joined_at=timezone.now() - timedelta(days=2)
    )
    RsvpFactory(
        event=full,
        supporter=supporter,
        status="waiting",
        going_since=None,
        joined_at=timezone.now() - timedelta(days=1),
    )
    phones = EventFactory(phonebank=True, title="Tuesday phonebank", slug="phones")
    RsvpFactory(event=phones, supporter=supporter)
    past_start = timezone.now() - timedelta(days=3)
    past = EventFactory(
        title="Last week",
        slug="last-week",
        starts_at=past_start,
        ends_at=past_start + timedelta(hours=2),
    )
    RsvpFactory(event=past, supporter=supporter)
    left = EventFactory(title="Given up", slug="given-up")
    RsvpFactory(event=left, supporter=supporter, status="cancelled")
    RsvpFactory(event=EventFactory(title="Someone else's", slug="other"))
    off = EventFactory(title="Rained off", slug="rained-off")
    RsvpFactory(event=off, supporter=supporter)
    event_cancel(event=off)
    return supporter


def test_the_page_lists_upcoming_sessions_with_what_the_person_may_see(client, volunteer):
    response = client.get(my_sessions_path(volunteer))

    page = text(response)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "dee@example.org" in page
    titles = re.findall(r'class="event-title"[^>]*><a href="[^"]+">([^<]+)</a>', page)
    assert titles[:0] == [] and sorted(titles) == sorted(
        [
            "Canvassing in Allestree",
            "Canvassing in Oakwood",
            "Tuesday phonebank",
            "Cancelled: Rained off",
        ]
    )
    # A place: the meeting point; waiting: only what the public page shows, and the queue.
    assert "Allestree Park car park, Duffield Road, Allestree, Derby, DE22 2EY" in page
    assert "Oakwood Inn" not in page
    assert "Oakwood, DE21 (the exact meeting point comes with a place)" in page
    assert "On the waiting list: number 2 in the queue." in page
    assert "https://meet.example.org/secret-room-4812" in page
    assert page.count("Cancel my place") == 2 and page.count("Leave the waiting list") == 1
    assert "This session is cancelled." in page
    assert page.count("Calendar file (.ics)") == 4
    # Nothing from anywhere else: the only foreign link is the person's own joining link.
    links = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', page))
    foreign = {link for link in links if not link.startswith(settings.SITE_URL)}
    assert foreign == {"https://meet.example.org/secret-room-4812"}


def test_the_cancel_links_on_the_page_work(client, volunteer):
    page = text(client.get(my_sessions_path(volunteer)))
    cancel = re.search(r'href="(/events/cancel/[^"]+)">Cancel my place', page)

    client.post(cancel.group(1))

    assert Rsvp.objects.get(supporter=volunteer, event__slug="allestree").status == "cancelled"
    page = text(client.get(my_sessions_path(volunteer)))
    assert "Canvassing in Allestree" not in page


def test_the_calendar_file_is_private_only_with_a_place(client, volunteer):
    page = text(client.get(my_sessions_path(volunteer)))
    links = dict(
        (title, href)
        for href, title in re.findall(
            r'href="([^"]+\.ics)">Calendar file \(\.ics\)'
            r'<span class="visually-hidden"> for ([^<]+)<',
            page,
        )
    )

    going = client.get(links["Canvassing in Allestree"])
    waiting = client.get(links["Canvassing in Oakwood"])
    phones = client.get(links["Tuesday phonebank"])

    assert going["Content-Type"] == "text/calendar; charset=utf-8"
    assert going["Content-Disposition"] == 'attachment; filename="allestree.ics"'
    assert "no-cache" in going["Cache-Control"]
    assert "Allestree Park car park" in unfolded(going.content)
    assert "Oakwood Inn" not in unfolded(waiting.content)
    assert "https://meet.example.org/secret-room-4812" in unfolded(phones.content)
    someone_else = Rsvp.objects.get(event__slug="other")
    assert client.get(f"{my_sessions_path(volunteer)}{someone_else.uid}.ics").status_code == 404


def test_tampered_and_erased_links_show_nothing(client, volunteer):
    path = my_sessions_path(volunteer)
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    assert client.get(tampered).status_code == 404
    supporter_erase(supporter=volunteer)
    gone = client.get(path)
    assert gone.status_code == 404 and "dee@example.org" not in text(gone)


def test_the_page_costs_the_same_queries_however_many_sessions(volunteer):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(my_sessions_path(volunteer)).status_code == 200
        return len(captured)

    before = queries()
    for number in range(4):
        RsvpFactory(
            event=EventFactory(capacity=1, slug=f"more-{number}"),
            supporter=volunteer,
            status="waiting",
            going_since=None,
        )
    assert queries() == before


ASK = "/events/my-sessions/"


def test_events_page_has_the_form_to_ask_for_the_link(client):
    page = text(client.get("/events/"))
    assert f'<form method="post" action="{ASK}"' in page
    assert "csrfmiddlewaretoken" not in page  # the same for everyone: cacheable
    assert client.get(ASK)["Location"] == "/events/#my-sessions"


@pytest.fixture
def tasks_in_process():
    """Tasks handed to the workers run at once in this process (as they do without
    REDIS_URL), when the on-commit hand-off runs."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def test_a_known_address_gets_the_link_and_an_unknown_one_nothing_the_answer_is_the_same(
    client, volunteer, tasks_in_process, django_capture_on_commit_callbacks
):
    SupporterFactory(email="listonly@example.org")  # on the list, never at a session
    with django_capture_on_commit_callbacks() as handed_off:
        known = client.post(ASK, {"email": "DEE@example.org"})
        unknown = client.post(ASK, {"email": "nobody@example.org"})
        list_only = client.post(ASK, {"email": "listonly@example.org"})

    def same(response, address):
        return text(response).replace(address, "ADDRESS")

    assert known.status_code == unknown.status_code == list_only.status_code == 200
    assert "no-cache" in known["Cache-Control"]
    assert same(known, "DEE@example.org") == same(unknown, "nobody@example.org")
    assert same(known, "DEE@example.org") == same(list_only, "listonly@example.org")
    # Each request only handed its address to the workers; none looked it up.
    assert len(handed_off) == 3
    assert not OutboundEmail.objects.filter(key__startswith="my-sessions-link:").exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the workers' turn
        for hand_off in handed_off:
            hand_off()

    [email] = OutboundEmail.objects.filter(key__startswith="my-sessions-link:")
    assert email.to == "dee@example.org"
    assert MY_SESSIONS_LINK.search(email.body_text).group(1) == my_sessions_path(volunteer)
    assert "Canvassing in Oakwood" in email.body_text and "Last week" not in email.body_text
    [sent] = mail.outbox
    assert sent.to == ["dee@example.org"]
    assert MY_SESSIONS_LINK.search(sent.body).group(1) == my_sessions_path(volunteer)


def test_asking_takes_as_long_for_a_known_address_as_for_an_unknown_one(client):
    """No timing oracle: the request does the same work for any address (the lookup and
    the email are the workers'). Fresh addresses each time, so the per-address cap cannot
    make the known ones cheap; interleaved, after a warm-up, medians compared."""
    event = EventFactory(slug="timed")
    tries, warm_up = 50, 10
    for number in range(tries + warm_up):
        RsvpFactory(event=event, supporter__email=f"known{number}@example.org")
    durations: dict[str, list[float]] = {"known": [], "unknown": []}

    for number in range(tries + warm_up):
        for kind in ("known", "unknown") if number % 2 else ("unknown", "known"):
            started = time.perf_counter()
            response = client.post(
                ASK,
                {"email": f"{kind}{number}@example.org"},
                REMOTE_ADDR=f"10.{number // 200}.{number % 200}.{len(kind)}",
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and "Check your email" in text(response)
            if number >= warm_up:
                durations[kind].append(elapsed)

    known, unknown = (statistics.median(durations[kind]) for kind in ("known", "unknown"))
    assert abs(known - unknown) < 0.003, (
        f"known {known * 1000:.1f} ms, unknown {unknown * 1000:.1f} ms"
    )


def test_a_bad_address_is_explained_and_kept(client):
    response = client.post(ASK, {"email": "dee@example"})
    assert response.status_code == 200
    assert "Enter a valid email address" in text(response)
    assert 'value="dee@example"' in text(response)
    assert not OutboundEmail.objects.exists()


def test_the_honeypot_gets_the_same_answer_and_sends_nothing(
    client, volunteer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as handed_off:
        response = client.post(ASK, {"email": "dee@example.org", "website": "http://spam.example"})
    assert "Check your email" in text(response)
    assert handed_off == []
    assert not OutboundEmail.objects.filter(key__startswith="my-sessions-link:").exists()


def test_the_form_is_rate_limited_and_one_address_gets_few_emails(
    client, volunteer, tasks_in_process, django_capture_on_commit_callbacks
):
    for number in range(MY_SESSIONS_RATE.limit):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(ASK, {"email": "dee@example.org"}, REMOTE_ADDR=f"10.0.0.{number % 2 + 1}")
    assert OutboundEmail.objects.filter(key__startswith="my-sessions-link:").count() == 3

    limited = [
        client.post(ASK, {"email": "x@example.org"}) for _ in range(MY_SESSIONS_RATE.limit + 1)
    ]
    assert limited[-1].status_code == 429
    assert "Please try again in 10 minutes" in text(limited[-1])


def test_a_phonebank_place_links_to_the_person_s_own_calling_screen(client, volunteer):
    from events.models import Rsvp
    from events.phonebank.tokens import caller_url

    page = text(client.get(my_sessions_path(volunteer)))

    phonebank = Rsvp.objects.get(supporter=volunteer, event__slug="phones")
    calling = caller_url(phonebank).removeprefix(settings.SITE_URL)
    assert page.count("Open the calling screen") == 1  # canvassing and waiting places have none
    assert f'href="{settings.SITE_URL}{calling}"' in page
