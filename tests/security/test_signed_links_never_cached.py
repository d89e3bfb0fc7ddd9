"""Every page behind a signed link is never cached (DESIGN.md, "Public URLs").

Such a page shows one person's details, or that they are going to a political session.
The URLs come from the urlconf: every non-admin URL is either in PUBLIC_UNSIGNED or has a
builder in SIGNED_LINKS that makes a real signed link for a real person, and each of those
is requested (GET, the POST that acts, and GET again afterwards) and must answer with what
Django's never_cache sets. A new URL that is in neither list fails this test.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from donations.models import Donation
from donations.tokens import stop_monthly_token
from events.emails import my_sessions_path, rsvp_cancel_url
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.services import phonebank_settings_update
from events.phonebank.tokens import caller_url
from tests.donations.helpers import form_data, post_event
from tests.events.factories import EventFactory, RsvpFactory
from volunteers.selectors import (
    consent_confirm_url,
    data_copy_url,
    supporter_email_links,
    supporter_preferences_token,
)
from volunteers.services import consent_confirm, supporter_subscribe

pytestmark = pytest.mark.django_db

# What django.utils.cache.add_never_cache_headers puts in Cache-Control.
NEVER_CACHE = {"no-cache", "no-store", "must-revalidate", "private"}

# Pages anyone can open without a link from an email. Everything else outside admin is
# behind a signed link.
PUBLIC_UNSIGNED = {
    "home",
    "privacy",
    "healthz",
    "volunteers:join",
    "volunteers:join_thanks",
    "events:calendar",
    "events:feed_ics",
    "events:detail",
    "events:signed_up",
    "events:detail_ics",
    "events:my_sessions_request",  # asks for the link by email; the same answer for anyone
    "donations:donate",
    "donations:thanks",
    "donations:stripe_webhook",
    "media",  # uploaded pictures (the candidate's photo, the logo)
    "share_image",  # the share images of public pages
    "share_image_of",
}


def site_urls(patterns=None, namespace: str = "", prefix: str = "") -> Iterator[tuple]:
    """(qualified name or None, route) for every URL outside admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":  # staff only, behind its own sign-in
                continue
            if entry.namespace == "anymail":  # email providers' webhooks, POST with basic auth
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from site_urls(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield name, prefix + str(entry.pattern)


@dataclass
class SignedLink:
    path: str
    post: dict | None  # None: a page that is only read (GET)
    get_says: str | None  # None: a form's target that is only posted to
    post_says: str


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _supporter():
    return supporter_subscribe(email="sam@example.org", name="Sam", source="join", page="/join/")


def _confirm(client) -> SignedLink:
    consent = _supporter().consents.latest("given_at")
    return SignedLink(_path(consent_confirm_url(consent)), {}, "Yes, confirm", "on the list")


def _preferences(client) -> SignedLink:
    url = supporter_email_links(_supporter())["preferences_url"]
    post = {"name": "Sam Patel", "wants_updates": "on"}
    return SignedLink(_path(url), post, 'value="Sam"', 'value="Sam Patel"')


def _erase(client) -> SignedLink:
    token = supporter_preferences_token(_supporter())
    path = reverse("volunteers:erase", kwargs={"token": token})
    return SignedLink(path, {}, "Erase your data?", "Your data has been erased")


def _unsubscribe(client) -> SignedLink:
    supporter = consent_confirm(consent=_supporter().consents.latest("given_at"))
    url = supporter_email_links(supporter)["unsubscribe_url"]
    return SignedLink(_path(url), {}, "Stop all emails", "You have unsubscribed")


def _rsvp_cancel(client) -> SignedLink:
    rsvp = RsvpFactory(event__title="Canvassing in Chaddesden")
    return SignedLink(_path(rsvp_cancel_url(rsvp)), {}, "Cancel your place?", "no longer signed up")


def _phonebank_caller(client) -> SignedLink:
    """The caller's screen, open now (calling hours are set around the clock for the test):
    it shows the how-to; the POST is "I'm done for today"."""
    hours = phonebank_settings_get()
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)
    now = timezone.now()
    session = EventFactory(
        phonebank=True, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2)
    )
    rsvp = RsvpFactory(event=session, first_name="Sam")
    return SignedLink(
        _path(caller_url(rsvp)), {"action": "done"}, "How calling works", "Thank you, Sam!"
    )


def _stop_monthly(client, stripe_fake) -> SignedLink:
    response = client.post(
        "/donate/", form_data(client, frequency="monthly", amount="other", other_amount="5")
    )
    assert response.status_code == 303
    donation = Donation.objects.latest("pk")
    stripe_fake.complete(donation.stripe_checkout_session_id)
    for event in stripe_fake.events_for_payment(donation.stripe_checkout_session_id):
        post_event(client, event)
    path = reverse("donations:stop_monthly", args=[stop_monthly_token(donation_id=donation.pk)])
    return SignedLink(path, {}, "Stop my monthly gift", "Your monthly gift has stopped")


def _my_sessions(client) -> SignedLink:
    rsvp = RsvpFactory(event__title="Canvassing in Chaddesden")
    return SignedLink(my_sessions_path(rsvp.supporter), None, "Canvassing in Chaddesden", "")


def _my_session_ics(client) -> SignedLink:
    rsvp = RsvpFactory(event__title="Canvassing in Chaddesden")
    path = f"{my_sessions_path(rsvp.supporter)}{rsvp.uid}.ics"
    return SignedLink(path, None, "BEGIN:VCALENDAR", "")


def _data_copy(client) -> SignedLink:
    return SignedLink(_path(data_copy_url(_supporter())), None, "sam@example.org", "")


def _data_copy_request(client) -> SignedLink:
    token = supporter_preferences_token(_supporter())
    path = reverse("volunteers:data_copy_request", kwargs={"token": token})
    return SignedLink(path, {}, None, "sam@example.org")


SIGNED_LINKS: dict[str, Callable[..., SignedLink]] = {
    "events:my_sessions": _my_sessions,
    "events:my_session_ics": _my_session_ics,
    "volunteers:data_copy": _data_copy,
    "volunteers:data_copy_request": _data_copy_request,
    "volunteers:confirm": _confirm,
    "volunteers:preferences": _preferences,
    "volunteers:erase": _erase,
    "volunteers:unsubscribe": _unsubscribe,
    "events:rsvp_cancel": _rsvp_cancel,
    "events:phonebank:caller": _phonebank_caller,
    "donations:stop_monthly": _stop_monthly,
}


def cache_directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}


def test_every_url_is_either_public_or_a_signed_link_tested_here():
    urls = list(site_urls())
    unnamed = [route for name, route in urls if name is None]
    assert unnamed == [], "give these URLs a name so they can be classified"
    names = {name for name, _ in urls}
    unclassified = names - PUBLIC_UNSIGNED - set(SIGNED_LINKS)
    assert unclassified == set(), (
        "new URLs: add a builder to SIGNED_LINKS (and never_cache to the view) if they are "
        "behind a signed link, or add them to PUBLIC_UNSIGNED"
    )
    assert (PUBLIC_UNSIGNED | set(SIGNED_LINKS)) - names == set(), "names no URL has"
    assert PUBLIC_UNSIGNED & set(SIGNED_LINKS) == set()


@pytest.mark.parametrize(
    "name", sorted({name for name, _ in site_urls() if name} - PUBLIC_UNSIGNED)
)
def test_every_page_behind_a_signed_link_is_never_cached(name, client, stripe_fake):
    assert name in SIGNED_LINKS, f"{name} is behind a signed link: add a builder for it"
    build = SIGNED_LINKS[name]
    link = build(client, stripe_fake) if name == "donations:stop_monthly" else build(client)

    seen = set()
    if link.get_says is not None:
        shown = client.get(link.path)
        assert shown.status_code == 200
        assert link.get_says in shown.content.decode()
        assert cache_directives(shown) >= NEVER_CACHE, shown.get("Cache-Control")
        seen |= cache_directives(shown)

    if link.post is not None:
        answer = client.post(link.path, link.post)
        assert answer.status_code == 200
        assert link.post_says in answer.content.decode()
        assert cache_directives(answer) >= NEVER_CACHE, answer.get("Cache-Control")
        seen |= cache_directives(answer)

    again = client.get(link.path)  # the page as it is after acting on it (or a refusal)
    assert cache_directives(again) >= NEVER_CACHE, again.get("Cache-Control")
    assert "public" not in seen
