"""A CDN in front may keep the public pages that are the same for everyone, briefly, and
never a page that is someone's own."""

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client

from campaign_site.core.models import SourceCode
from campaign_site.core.pagecache import PAGE_TIMEOUT
from campaign_site.core.sources import COOKIE_NAME, source_code_save
from tests.performance.conftest import public_pages

pytestmark = pytest.mark.django_db

SHARED = {"public", "max-age=0", f"s-maxage={PAGE_TIMEOUT}"}


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part}


def test_pages_the_same_for_every_visitor_may_be_kept_by_a_cdn(handful):
    for path in ["/", "/join/", "/events/", "/privacy/", "/events/?kind=canvass"]:
        Client().get(path)  # whoever comes first fills the cache
        for response in (Client().get(path), Client().get(path)):  # from it, and again
            assert response.status_code == 200, path
            assert directives(response) == SHARED, path
            assert "cookie" not in vary(response), path
            assert not response.cookies, path  # nothing of one visitor's in a shared copy


def test_pages_with_a_visitors_own_token_stay_private(handful):
    session_page = public_pages()[3]
    for path in [session_page, "/donate/"]:
        Client().get(path)
        response = Client().get(path)

        assert response.status_code == 200
        assert "public" not in directives(response), path
        assert directives(response) & {"private", "no-store"}, path
        assert "cookie" in vary(response)


def test_visitors_with_a_session_or_a_message_get_private_pages(handful, admin_client):
    with_message = Client()
    with_message.cookies[CookieStorage.cookie_name] = "something"
    for visitor in (admin_client, with_message):
        response = visitor.get("/events/")

        assert response.status_code == 200
        assert "public" not in directives(response)
        assert "private" in directives(response)
        assert "cookie" in vary(response)


def test_a_response_that_sets_a_cookie_is_never_offered_to_a_cdn(handful):
    source_code_save(source=SourceCode(code="leaflet-dec", description="Leaflets"))
    Client().get("/events/")  # the shared copy exists

    response = Client().get("/events/?source=leaflet-dec")

    assert response.cookies[COOKIE_NAME].value == "leaflet-dec"
    assert "public" not in directives(response)
    assert "private" in directives(response)
