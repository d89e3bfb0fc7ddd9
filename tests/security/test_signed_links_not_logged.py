"""Signed links' tokens never reach gunicorn's access log or Sentry (campaign_site.core.redaction).

The URLs come from the urlconf: every pattern with a `token` part is reversed with a sample
token (a new pattern whose other parts need a sample fails here until it gets one), and
every signed link of test_signed_links_never_cached.py (which classifies every URL) is
built for real and must carry its token in a part called `token`.
"""

import io
import logging
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from campaign_site.core.gunicorn_logging import AccessLogger
from campaign_site.core.redaction import (
    MASK,
    SignedLinksMasked,
    redact_signed_links,
    sentry_before_send,
)
from tests.campaign_site.test_settings import PRODUCTION, run_python
from tests.security.test_signed_links_never_cached import SIGNED_LINKS

SAMPLE_TOKEN = "MTIzNA:1uAbCd:Xy-9_zQ"
# Patterns whose token has a shape of its own, and samples of other parts by converter.
SAMPLE_TOKENS = {"events:phonebank:caller": "0123456789abcdef0123456789abcdef:Ab-1_x"}
SAMPLE_PARTS = {"UUIDConverter": uuid.uuid4(), "IntConverter": 7, "SlugConverter": "some-slug"}


def token_patterns(patterns=None, namespace: str = "") -> list[tuple[str, dict]]:
    """(qualified name, sample kwargs) of every URL pattern with a `token` part."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += token_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and "token" in entry.pattern.regex.groupindex:
            assert entry.name, f"name the URL pattern {entry.pattern}"
            name = f"{namespace}{entry.name}"
            converters = getattr(entry.pattern, "converters", {})
            kwargs = {
                part: SAMPLE_PARTS.get(type(converters.get(part)).__name__, "x")
                for part in entry.pattern.regex.groupindex
            }
            found.append((name, {**kwargs, "token": SAMPLE_TOKENS.get(name, SAMPLE_TOKEN)}))
    return found


TOKEN_PATTERNS = token_patterns()


def places_a_path_is_written(path: str) -> list[str]:
    """The path as logs and error reports write it: alone, as a full URL with a query, in
    a request line, in Django's "Not Found" warning, and without its end (a cut-off link)."""
    token = resolve(path).kwargs["token"]
    return [
        path,
        f"https://chris.example{path}?source=leaflet",
        f"GET {path}?source=leaflet HTTP/1.1",
        f"Not Found: {path}",
        path[: path.index(token) + len(token)],
    ]


def test_the_urlconf_has_the_signed_links_with_tokens():
    names = {name for name, _ in TOKEN_PATTERNS}
    assert {"events:rsvp_cancel", "events:my_sessions", "events:phonebank:caller"} <= names
    assert set(SIGNED_LINKS) <= names


@pytest.mark.parametrize(("name", "kwargs"), TOKEN_PATTERNS, ids=[n for n, _ in TOKEN_PATTERNS])
def test_every_url_pattern_with_a_token_is_masked(name, kwargs):
    path = reverse(name, kwargs=kwargs)

    for text in places_a_path_is_written(path):
        redacted = redact_signed_links(text)
        assert kwargs["token"] not in redacted, text
        assert redacted == text.replace(kwargs["token"], MASK)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SIGNED_LINKS))
def test_every_real_signed_link_is_masked(name, client, stripe_fake):
    build = SIGNED_LINKS[name]
    path = (build(client, stripe_fake) if name == "donations:stop_monthly" else build(client)).path
    assert "token" in resolve(path).kwargs, f"call the signed part of {name} <token>"
    token = resolve(path).kwargs["token"]

    for text in places_a_path_is_written(path):
        assert redact_signed_links(text) == text.replace(token, MASK)


@pytest.mark.parametrize(
    "text",
    [
        "/",
        "/events/",
        "/events/my-sessions/",  # the form that asks for the link
        "/events/canvassing-in-allestree/",
        "/events/canvassing-in-allestree/signed-up/",
        "/events/calling/not-a-caller-token/",
        "/donate/thanks/?session_id=cs_test_1",
        "/anymail/postmark/tracking/",
        "GET /events/?postcode=DE1 HTTP/1.1",
        "no path here",
    ],
)
def test_other_urls_are_left_as_they_are(text):
    assert redact_signed_links(text) == text


def test_gunicorns_access_log_masks_the_token_in_every_part_of_the_line(tmp_path):
    """The logger gunicorn_conf.py configures, writing the line gunicorn writes."""
    from gunicorn.config import Config

    import campaign_site.gunicorn_conf as conf

    config = Config()
    for setting, value in vars(conf).items():
        if setting in config.settings:
            config.set(setting, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = config.logger_class(config)
    assert isinstance(logger, AccessLogger)

    token = SAMPLE_TOKEN
    path = reverse("events:rsvp_cancel", args=[token])
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"{path}?source=leaflet",
        "PATH_INFO": path,
        "QUERY_STRING": "source=leaflet",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://chris.example{path}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("REFERER", f"https://chris.example{path}")])
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Location", f"{path}?done=1")])

    logger.access(response, request, environ, timedelta(milliseconds=12))
    config.set("access_log_format", '"%(r)s" "%(f)s" %({referer}i)s %({location}o)s')
    logger.access(response, request, environ, timedelta(milliseconds=12))

    configured, everything = (tmp_path / "access.log").read_text().splitlines()
    assert token not in configured and token not in everything
    assert '"POST /events/cancel/[token]/ HTTP/1.1" 302 0 "Mozilla/5.0"' in configured
    assert everything == (
        '"POST /events/cancel/[token]/?source=leaflet HTTP/1.1" '
        '"https://chris.example/events/cancel/[token]/" '
        "https://chris.example/events/cancel/[token]/ /events/cancel/[token]/?done=1"
    )


def test_sentry_events_have_the_tokens_masked():
    path = reverse("events:my_sessions", args=[SAMPLE_TOKEN])
    event = {
        "request": {
            "url": f"https://chris.example{path}",
            "query_string": "source=leaflet",
            "headers": {"Referer": f"https://chris.example{path}", "User-Agent": "Mozilla/5.0"},
        },
        "breadcrumbs": {
            "values": [
                {"category": "django.request", "message": f"Not Found: {path}"},
                {"category": "httplib", "data": {"url": f"http://127.0.0.1:8000{path}x.ics"}},
            ]
        },
        "logentry": {"message": "Internal Server Error: %s", "params": [path]},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "stacktrace": {
                        "frames": [
                            {"function": "my_sessions", "vars": {"token": f"'{SAMPLE_TOKEN}'"}}
                        ]
                    },
                }
            ]
        },
        "level": "error",
    }

    sent = sentry_before_send(event, {})

    assert SAMPLE_TOKEN not in repr(sent)
    assert sent["request"]["url"] == "https://chris.example/events/my-sessions/[token]/"
    assert sent["breadcrumbs"]["values"][0]["message"] == "Not Found: /events/my-sessions/[token]/"
    assert sent["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"] == {"token": MASK}
    assert sent["request"]["headers"]["User-Agent"] == "Mozilla/5.0"
    assert sent["level"] == "error"


def test_sentry_is_given_the_masking_when_it_is_switched_on(tmp_path):
    """Through the SDK as settings sets it up: an event with a breadcrumb and a request URL
    is captured by a transport of the test's, with the token masked."""
    code = """
import django, json
django.setup()
import sentry_sdk
from sentry_sdk.transport import Transport
sent = []
class Kept(Transport):
    def capture_envelope(self, envelope):
        sent.extend(item.payload.json for item in envelope.items)
sentry_sdk.get_client().transport = Kept()
path = "/events/cancel/MTIzNA:1uAbCd:Xy-9_zQ/"
sentry_sdk.add_breadcrumb(category="django.request", message="Not Found: " + path)
sentry_sdk.capture_event({"message": "boom", "request": {"url": "https://chris.example" + path}})
sentry_sdk.flush()
print(json.dumps(sent))
"""
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": "x" * 50, "SENTRY_DSN": "http://k@127.0.0.1:9/1"}
    result = run_python(code, env, tmp_path)

    assert result.returncode == 0, result.stderr
    assert SAMPLE_TOKEN not in result.stdout
    assert "https://chris.example/events/cancel/[token]/" in result.stdout
    assert "Not Found: /events/cancel/[token]/" in result.stdout


@pytest.mark.django_db
def test_the_sites_own_log_lines_have_the_tokens_masked(client):
    """Django's "Not Found: <path>" warning, through the console handler settings.LOGGING
    sets up (what gunicorn's error log and the journal keep)."""
    [console] = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(each, SignedLinksMasked) for each in handler.filters)
    ]
    path = reverse("events:my_sessions", args=[SAMPLE_TOKEN])
    written = io.StringIO()
    stream = console.setStream(written)
    try:
        assert client.get(path).status_code == 404  # not a real link
        logging.getLogger("campaign_site").info("Sent %s to %s", "a link", f"http://x{path}")
    finally:
        console.setStream(stream)

    assert SAMPLE_TOKEN not in written.getvalue()
    assert "Not Found: /events/my-sessions/[token]/" in written.getvalue()
    assert "Sent a link to http://x/events/my-sessions/[token]/" in written.getvalue()
