"""Whole public pages from the cache: shared only where they are the same for everyone,
and changed the moment an organiser, a payment or the campaign settings change them."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campaign_site.core.models import CampaignSettings
from campaign_site.core.services import campaign_settings_update
from donations.models import DonationSettings
from donations.services import donation_settings_update
from events.models import Event
from events.services import event_cancel, rsvp_create
from tests.donations.conftest import fake_stripe_server, stripe_fake  # noqa: F401 (fixtures)
from tests.donations.helpers import gift, pay
from tests.events.test_admin import change_form_data
from tests.performance.conftest import public_pages

# The changes commit for real: pages are invalidated after commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')


def session_page() -> str:
    return public_pages()[3]


def cached(client: Client, path: str) -> bool:
    """Whether `path` comes from the cache for this visitor (no query at all)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries) == 0


def test_anonymous_visitors_share_cached_pages_even_with_tracking_parameters(handful):
    for path in ["/", "/events/", session_page(), "/donate/", "/join/"]:
        Client().get(path)
        assert cached(Client(), path), path
    assert cached(Client(), "/?fbclid=IwAR0abc&utm_source=facebook")
    # The parameters a page reads do make a different page.
    assert not cached(Client(), "/events/?kind=phonebank")


def test_forms_carry_each_visitors_own_token_and_cookie(handful):
    """The cached copy has no token in it: every visitor gets their own, with the cookie
    that goes with it, and no one gets another's."""
    for path in [session_page(), "/donate/"]:
        first, second = Client(), Client()
        one, two = first.get(path), second.get(path)
        assert cached(Client(), path)
        tokens = {TOKEN.search(one.content).group(1), TOKEN.search(two.content).group(1)}
        assert len(tokens) == 2
        assert "csrftoken" in one.cookies and "csrftoken" in two.cookies
        assert one.cookies["csrftoken"].value != two.cookies["csrftoken"].value
        assert "sessionid" not in one.cookies
        assert b"pagecache-" not in one.content and b"pagecache-" not in two.content
        assert one.headers["Vary"] == two.headers["Vary"]
        assert "Cookie" in one.headers["Vary"]
    first, second = Client().get("/donate/"), Client().get("/donate/")
    assert FORM_TOKEN.search(first.content).group(1) != FORM_TOKEN.search(second.content).group(1)
    assert "no-store" in first.headers["Cache-Control"]  # browsers never keep /donate/


def test_a_visitor_with_an_existing_csrf_cookie_keeps_it(handful):
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(session_page())
    cookie = visitor.cookies["csrftoken"].value
    page = visitor.get(session_page())
    assert page.cookies.get("csrftoken") is None or page.cookies["csrftoken"].value == cookie
    token = TOKEN.search(page.content).group(1).decode()
    response = visitor.post(
        session_page(),
        {"first_name": "Asha", "email": "asha@example.org", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302  # the token from the cached page is accepted


def test_the_donate_form_from_the_cache_still_gives(handful):
    visitor = Client(enforce_csrf_checks=True)
    Client().get("/donate/")  # someone else filled the cache
    page = visitor.get("/donate/")
    assert b"pagecache-" not in page.content
    assert TOKEN.search(page.content) and FORM_TOKEN.search(page.content)


def test_staff_and_people_with_messages_get_their_own_page(handful, admin_client):
    Client().get("/events/")
    assert not cached(admin_client, "/events/")
    with_messages = Client()
    with_messages.cookies[CookieStorage.cookie_name] = "something"
    assert not cached(with_messages, "/events/")
    # Their pages are not stored for anyone else either.
    page = admin_client.get("/")
    assert "Cookie" in page.headers["Vary"]


def test_messages_are_never_served_to_someone_else(handful, client):
    """A page showing one person's message is theirs alone."""
    client.cookies[CookieStorage.cookie_name] = CookieStorage(None)._encode(
        [_message("Your place is cancelled.")]
    )
    assert b"Your place is cancelled." in client.get("/events/").content
    assert b"Your place is cancelled." not in Client().get("/events/").content


def _message(text):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    return Message(constants.INFO, text)


def test_an_organisers_edit_shows_at_once(handful, admin_client):
    event = Event.objects.published().upcoming().order_by("starts_at").first()
    visitor = Client()
    assert event.title.encode() in visitor.get("/events/").content
    visitor.get(f"/events/{event.slug}/")
    visitor.get("/events/calendar.ics")
    assert cached(visitor, "/events/") and cached(visitor, f"/events/{event.slug}/")

    data = change_form_data(event, title="Allestree doorstep chat")
    response = admin_client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]

    for path in ["/events/", f"/events/{event.slug}/", "/events/calendar.ics"]:
        assert b"Allestree doorstep chat" in visitor.get(path).content, path


def test_a_cancelled_session_and_a_new_sign_up_show_at_once(handful):
    event = (
        Event.objects.published()
        .upcoming()
        .filter(capacity__isnull=False)
        .order_by("starts_at")
        .first()
    )
    if event is None:
        event = Event.objects.published().upcoming().order_by("starts_at").first()
        Event.objects.filter(pk=event.pk).update(capacity=10)
        event.refresh_from_db()
    visitor = Client()
    before = visitor.get(f"/events/{event.slug}/").content
    spots = re.search(rb"(\d+) spots? left", before)
    rsvp_create(event=event, first_name="Lou", email="lou@example.org")
    after = visitor.get(f"/events/{event.slug}/").content
    if spots:
        assert f"{int(spots.group(1)) - 1} spot".encode() in after
    else:
        assert b"Full" in after

    event_cancel(event=event)
    assert b"This session is cancelled" in visitor.get(f"/events/{event.slug}/").content
    assert b"Cancelled: " in visitor.get("/events/").content


def test_a_payment_moves_the_progress_bar_at_once(handful, stripe_fake):  # noqa: F811
    visitor = Client()
    home, donate = visitor.get("/").content, visitor.get("/donate/").content
    raised = re.search(rb"<strong>([^<]+)</strong> raised", home).group(1)
    assert cached(visitor, "/") and cached(visitor, "/donate/")

    pay(Client(), gift(100_000, email="new-donor@example.org"))

    for path in ["/", "/donate/"]:
        now = re.search(rb"<strong>([^<]+)</strong> raised", visitor.get(path).content).group(1)
        assert now != raised, path
    assert donate != visitor.get("/donate/").content


def test_campaign_settings_show_at_once_on_every_page(handful):
    visitor = Client()
    for path in public_pages():
        visitor.get(path)
    campaign = CampaignSettings.objects.get(pk=1)
    campaign.tagline = "A fairer deal for Derby North"
    campaign.candidate_name = "Jo Marsh"
    campaign_settings_update(campaign=campaign)

    assert b"A fairer deal for Derby North" in visitor.get("/").content
    for path in public_pages():
        assert b"Jo Marsh" in visitor.get(path).content, path


def test_donation_limits_show_at_once(handful):
    visitor = Client()
    before = visitor.get("/donate/")
    assert before.status_code == 200
    assert "£250" in before.content.decode()  # the largest preset gift
    limits, _ = DonationSettings.objects.get_or_create(pk=1)
    limits.max_pence = 20_000
    donation_settings_update(settings_row=limits)

    after = visitor.get("/donate/")
    assert after.status_code == 200
    page = after.content.decode()
    assert "and £200." in page  # the new largest gift, in the other amount's hint
    assert "£250" not in page


def test_time_passing_is_bounded_by_the_cache_lifetime(handful, settings):
    """Sessions drop off as they end: a cached page lives a minute at most."""
    from campaign_site.core import pagecache

    assert pagecache.PAGE_TIMEOUT <= 60
    assert timedelta(seconds=pagecache.PAGE_TIMEOUT) <= timedelta(minutes=1)


def test_while_one_request_rebuilds_a_page_the_others_get_the_previous_copy(handful):
    """No stampede when a popular page changes: one request renders it, not all of them."""
    from django.core.cache import cache
    from django.test import RequestFactory

    from campaign_site.core import pagecache

    event = Event.objects.published().upcoming().order_by("starts_at").first()
    visitor = Client()
    visitor.get("/events/")
    Event.objects.filter(pk=event.pk).update(title="Spondon evening canvass")
    pagecache.public_pages_invalidate(topics=["events"])
    names = ("kind", "month", "postcode", "radius")  # what the calendar reads
    key = pagecache._page_key(RequestFactory().get("/events/"), names)
    assert cache.add(f"{key}:rebuilding", 1)  # as if another request were rebuilding it

    assert cached(visitor, "/events/")
    assert b"Spondon evening canvass" not in visitor.get("/events/").content
    cache.delete(f"{key}:rebuilding")
    assert b"Spondon evening canvass" in visitor.get("/events/").content


def test_a_change_made_by_another_process_shows_within_a_second(handful, monkeypatch):
    """Each process reads the generations at most every GENERATION_CHECK_SECONDS (under a second);
    here the worker, say, changed a session and bumped the generation in Redis. The page
    cache's clock is the test's, moved on by hand."""
    import time
    import types

    from django.core.cache import cache

    from campaign_site.core import pagecache

    # Whole seconds, far past any reading earlier tests left, so the sums are exact.
    start = float(int(time.monotonic()) + 1_000)
    now = start
    monkeypatch.setattr(
        pagecache, "time", types.SimpleNamespace(monotonic=lambda: now, time=time.time)
    )
    visitor = Client()

    def calendar() -> str:
        response = visitor.get("/events/")
        assert response.status_code == 200
        return response.content.decode()

    event = Event.objects.published().upcoming().order_by("starts_at").first()
    assert event.title in calendar()
    Event.objects.filter(pk=event.pk).update(title="Mackworth phone-in")
    cache.set(pagecache._generation_key("events"), "changed-by-another-process", timeout=None)

    now = start + pagecache.GENERATION_CHECK_SECONDS / 2  # this process has not looked again
    page = calendar()
    assert event.title in page and "Mackworth phone-in" not in page
    now = start + pagecache.GENERATION_CHECK_SECONDS
    page = calendar()
    assert "Mackworth phone-in" in page


def test_made_up_query_values_and_host_ports_never_fill_the_cache(handful, settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    Client().get("/events/?kind=canvass")
    assert cached(Client(), "/events/?kind=canvass")

    for n in range(5):
        Client().get(f"/events/?kind=k{n}&month=x{n}")
        assert not cached(Client(), f"/events/?kind=k{n}&month=x{n}")  # rendered, not stored
        Client().get("/events/?kind=canvass", HTTP_HOST=f"127.0.0.1:{9000 + n}")

    # Another port in the Host header is the same page as the site's own address.
    assert cached(Client(HTTP_HOST="127.0.0.1:9999"), "/events/?kind=canvass")


def test_a_postcode_search_is_cached_by_its_outward_code_alone(handful):
    """Any form of a postcode is first redirected to its outward code, which is the only
    form a page is stored under; searches that cannot be placed are rendered, not stored."""
    from campaign_site.core import pagecache

    for typed in ["DE22 9ZZ", "de229zz", " de22 9zz ", "de22"]:
        response = Client().get("/events/", {"postcode": typed, "radius": "10"})
        assert response.status_code == 302
        assert response["Location"] == "/events/?postcode=DE22&radius=10"
    Client().get("/events/?postcode=DE22&radius=10")
    assert cached(Client(), "/events/?postcode=DE22&radius=10")
    assert not cached(Client(), "/events/?postcode=DE22&radius=25")  # its own page

    for path in [
        "/events/?postcode=BT1",  # Northern Ireland: not in Code-Point Open
        "/events/?postcode=DE80",  # no such district
        "/events/?postcode=hello",
        "/events/?postcode=DE22&radius=7",
    ]:
        Client().get(path)
        assert not cached(Client(), path), path

    prefix = pagecache._local_key("")
    stored = [
        page.content for key, page in pagecache._local_pages.items() if key.startswith(prefix)
    ]
    assert stored and not any(b"9ZZ" in content for content in stored)


def test_a_sign_up_rebuilds_its_own_session_page_and_the_lists_but_no_other_session_page(
    handful,
):
    one, other = Event.objects.published().upcoming().order_by("starts_at")[:2]
    for path in [f"/events/{one.slug}/", f"/events/{other.slug}/", "/events/", "/"]:
        Client().get(path)
        assert cached(Client(), path), path

    rsvp_create(event=one, first_name="Lou", email="lou@example.org")

    assert not cached(Client(), f"/events/{one.slug}/")
    assert not cached(Client(), "/events/")  # places left
    assert not cached(Client(), "/")
    assert cached(Client(), f"/events/{other.slug}/")
