import pytest

from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/privacy/",
    "/healthz/",
    "/no-such-page/",
    "/join/",
    "/join/thanks/",
    "/events/",
    "/events/?kind=canvass",
    "/events/calendar.ics",
    "/events/canvassing-in-allestree/",
    "/events/canvassing-in-allestree/calendar.ics",
    "/donate/",
    "/donate/thanks/",
    "/preferences/not-a-real-token/",
    "/admin/login/",
]


@pytest.fixture(autouse=True)
def a_session():
    EventFactory(slug="canvassing-in-allestree")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_sends_a_strict_content_security_policy(client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_sends_the_other_security_headers(client, path):
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_csrf_and_session_cookies_are_http_only(client, admin_user):
    client.get("/events/canvassing-in-allestree/")
    assert client.cookies["csrftoken"]["httponly"]
    client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert client.cookies["sessionid"]["httponly"]


def test_pages_have_no_inline_script_or_style(client):
    for path in [path for path in PUBLIC_PAGES if not path.endswith((".ics", "healthz/"))]:
        page = client.get(path).content.decode()
        assert "<script>" not in page and "<style" not in page and 'style="' not in page
