"""Deliverability: anymail's tracking webhooks (posted to their real URL, with the basic
auth) suppress addresses for bulk email, and a bulk send with too many bounces or
complaints pauses itself; Message-IDs are the site's own and stable across tries."""

import base64
import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from anymail import urls as anymail_urls
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import DeliveryEvent, EmailSuppression, OutboundEmail
from campaign_site.core.outbox import outbox_link_label
from campaign_site.core.sending import outbox_message_id, outbox_send
from campaign_site.core.services import mail_check_send
from campaign_site.core.suppression import address_hash
from tests.support.admin import sign_in_with_two_factor
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Update
from volunteers.update_services import update_fan_out, update_request_send, update_save

pytestmark = pytest.mark.django_db

WEBHOOK = "/anymail/postmark/tracking/"
SECRET = "campaign-hooks:a-long-webhook-password"


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user(
        "organiser", "organiser@example.org", "pw", is_staff=True
    )


def auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def postmark_event(record_type, address, *, kind=None, event_id=1, email=None, **extra):
    """A Postmark tracking webhook body, as Postmark posts it."""
    body = {
        "RecordType": record_type,
        "ID": event_id,
        "Type": kind or record_type,
        "Email": address,
        "BouncedAt": timezone.now().isoformat(),
        "Description": f"The message to {address} could not be delivered.",
        "Details": extra.pop("details", ""),
        "MessageID": extra.pop("message_id", "00000000-0000-0000-0000-000000000000"),
        "MessageStream": "broadcast",
    }
    if email is not None:
        body["Metadata"] = {"outbox_id": str(email.pk)}
    body.update(extra)
    return body


def post(client, body, headers=None):
    return client.post(
        WEBHOOK,
        json.dumps(body),
        content_type="application/json",
        **(auth() if headers is None else headers),
    )


def send_update(organiser, subject="News"):
    update = update_save(update=Update(subject=subject, body="Hello"), user=organiser)
    update_request_send(update=update, user=organiser)
    update_fan_out(update_id=update.pk)
    rows = OutboundEmail.objects.filter(about_type=outbox_link_label(Update), about_id=update.pk)
    outbox_send(email_ids=list(rows.values_list("pk", flat=True)))
    return update, rows


def test_a_complaint_suppresses_the_address_and_the_next_update_skips_it(client, organiser):
    kim, lee = SupporterFactory(email="kim@example.org"), SupporterFactory(email="lee@example.org")
    _, first = send_update(organiser, "First")
    complaint = postmark_event(
        "SpamComplaint", "kim@example.org", email=first.get(to="kim@example.org")
    )

    assert post(client, complaint, headers={}).status_code == 400  # no basic auth
    assert post(client, complaint, headers=auth("campaign-hooks:wrong")).status_code == 400
    assert not DeliveryEvent.objects.exists()
    assert post(client, complaint).status_code == 200
    assert post(client, complaint).status_code == 200  # the provider retried: changes nothing

    [event] = DeliveryEvent.objects.all()
    assert (event.kind, event.email.to, event.esp) == ("complaint", "kim@example.org", "Postmark")
    assert "kim@example.org" not in event.description
    suppression = EmailSuppression.objects.get()
    assert suppression.address_hash == address_hash("Kim@Example.org")
    assert suppression.reason == EmailSuppression.Reason.COMPLAINT

    second, rows = send_update(organiser, "Second")
    assert list(rows.values_list("to", flat=True)) == [lee.email]
    assert Update.objects.get(pk=second.pk).recipient_count == 1
    # Transactional email still reaches the address.
    mail.outbox.clear()
    check = mail_check_send(to=kim.email, requested_by="organiser")
    assert outbox_send(email_ids=[check.pk]).sent == [check.pk]
    assert mail.outbox[0].to == ["kim@example.org"]


def test_bulk_rows_already_queued_to_a_suppressed_address_are_skipped(client, organiser):
    SupporterFactory(email="kim@example.org")
    update = update_save(update=Update(subject="News", body="Hello"), user=organiser)
    update_request_send(update=update, user=organiser)
    update_fan_out(update_id=update.pk)
    queued = OutboundEmail.objects.get(to="kim@example.org")

    bounce = postmark_event("Bounce", "kim@example.org", kind="HardBounce")
    assert post(client, bounce).status_code == 200

    report = outbox_send(email_ids=[queued.pk])
    queued.refresh_from_db()
    assert report.sent == [] and mail.outbox == []
    assert queued.status == OutboundEmail.Status.SKIPPED
    assert EmailSuppression.objects.get().reason == EmailSuppression.Reason.HARD_BOUNCE


def test_soft_bounces_suppress_after_three_within_30_days(client, settings):
    def soft(event_id, days_ago=0):
        bounced_at = (timezone.now() - timedelta(days=days_ago)).isoformat()
        body = postmark_event(
            "Bounce", "sam@example.org", kind="SoftBounce", event_id=event_id, BouncedAt=bounced_at
        )
        assert post(client, body).status_code == 200

    soft(1, days_ago=40)  # too long ago to count
    soft(2, days_ago=10)
    soft(3)
    assert not EmailSuppression.objects.exists()

    soft(4)

    assert EmailSuppression.objects.get().reason == EmailSuppression.Reason.SOFT_BOUNCES
    assert DeliveryEvent.objects.filter(kind="soft_bounce").count() == 4


def test_a_bounce_is_soft_or_hard_by_what_the_provider_said(client):
    from anymail.signals import AnymailTrackingEvent, EventType

    from campaign_site.core.deliverability import tracking_event_record

    def kind(**fields):
        event = AnymailTrackingEvent(
            event_type=fields.pop("event_type", EventType.BOUNCED),
            recipient="x@example.org",
            event_id=str(fields),
            **fields,
        )
        return tracking_event_record(event=event, esp_name="Test").kind

    assert kind(mta_response="552 5.2.2 Mailbox full") == "hard_bounce"
    assert kind(mta_response="452 4.2.2 Mailbox full, try later") == "soft_bounce"
    assert kind(esp_event={"bounce": {"bounceType": "Transient"}}) == "soft_bounce"
    assert kind(esp_event={"event": "soft_bounce"}) == "soft_bounce"
    assert kind(description="Unknown user") == "hard_bounce"
    assert kind(event_type=EventType.COMPLAINED) == "complaint"
    event = AnymailTrackingEvent(event_type=EventType.DELIVERED, recipient="x@example.org")
    assert tracking_event_record(event=event, esp_name="Test") is None


def test_an_update_with_too_many_bounces_pauses_and_tells_organisers(
    client, organiser, settings, django_user_model
):
    settings.OUTBOX_PAUSE_MIN_SAMPLE = 10
    django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    SupporterFactory.create_batch(20)
    update = update_save(update=Update(subject="News", body="Hello"), user=organiser)
    update_request_send(update=update, user=organiser)
    update_fan_out(update_id=update.pk)
    rows = list(OutboundEmail.objects.filter(about_id=update.pk).order_by("pk"))
    outbox_send(email_ids=[row.pk for row in rows[:10]])  # half have gone

    bounce = postmark_event("Bounce", rows[0].to, kind="HardBounce", email=rows[0])
    assert post(client, bounce).status_code == 200

    update.refresh_from_db()

    assert update.status == Update.Status.PAUSED
    assert "1 of 10 emails bounced (10.0%)" in update.paused_reason
    held = OutboundEmail.objects.filter(about_id=update.pk, status=OutboundEmail.Status.HELD)
    assert held.count() == 10
    notices = OutboundEmail.objects.filter(key__startswith=f"update-paused:{update.pk}:")
    assert sorted(notices.values_list("to", flat=True)) == [
        "boss@example.org",
        "organiser@example.org",
    ]
    assert "has paused itself: 1 of 10 emails bounced" in notices[0].body_text
    assert outbox_send(email_ids=[row.pk for row in held]).sent == []  # held rows wait

    admin = django_user_model.objects.get(username="boss")
    sign_in_with_two_factor(client, admin)
    listing = client.get(reverse("admin:volunteers_update_changelist")).content.decode()
    assert re.search(r'class="field-bounced_count">1<', listing)
    page = client.get(reverse("admin:volunteers_update_change", args=[update.pk]))
    assert "This update paused itself" in page.content.decode()
    assert "Resume sending (10 held)" in page.content.decode()

    client.post(reverse("admin:volunteers_update_resume", args=[update.pk]))

    update.refresh_from_db()
    assert update.status == Update.Status.SENT and update.resumed_by == admin
    assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.HELD).exists()
    # Resumed by an organiser: further bounces do not pause it again.
    bounce = postmark_event("Bounce", rows[1].to, kind="HardBounce", event_id=2, email=rows[1])
    assert post(client, bounce).status_code == 200
    assert Update.objects.get(pk=update.pk).status == Update.Status.SENT


def test_no_pause_before_the_minimum_sample(client, organiser, settings):
    settings.OUTBOX_PAUSE_MIN_SAMPLE = 50
    SupporterFactory.create_batch(5)
    update, rows = send_update(organiser)
    row = rows.first()

    assert post(client, postmark_event("SpamComplaint", row.to, email=row)).status_code == 200

    assert Update.objects.get(pk=update.pk).status == Update.Status.SENT


def test_message_id_is_on_the_sites_domain_and_the_same_on_every_try(
    settings, smtp_server, mailbox
):
    settings.SITE_URL = "https://chris.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    email = mail_check_send(to="sam@example.org", requested_by="organiser")
    expected = outbox_message_id(email)
    assert re.fullmatch(rf"<outbox-{email.pk}\.[0-9a-f]{{16}}@chris\.example>", expected)

    mailbox.refusing = True
    outbox_send(email_ids=[email.pk])
    mailbox.refusing = False
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    outbox_send(email_ids=[email.pk])

    [received] = mailbox.received
    assert received.message["Message-ID"] == expected
    email.refresh_from_db()
    assert email.tries == 2 and outbox_message_id(email) == expected


class FakePostmark(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakePostmark.received.append({"path": self.path, "body": body})
        reply = json.dumps(
            {"To": body["To"], "MessageID": "pm-7f3c", "ErrorCode": 0, "Message": "OK"}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_sending_through_an_email_provider_with_anymail(client, settings, organiser):
    server = HTTPServer(("127.0.0.1", 0), FakePostmark)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakePostmark.received = []
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {
        "POSTMARK_SERVER_TOKEN": "server-token",
        "POSTMARK_API_URL": f"http://127.0.0.1:{server.server_port}/",
        "WEBHOOK_SECRET": SECRET,
    }
    try:
        SupporterFactory(email="kim@example.org")
        _, rows = send_update(organiser)
    finally:
        server.shutdown()

    [sent] = FakePostmark.received
    email = rows.get()
    assert sent["path"] == "/email"
    assert sent["body"]["To"] == "kim@example.org"
    assert sent["body"]["Metadata"] == {"outbox_id": str(email.pk)}
    headers = {header["Name"]: header["Value"] for header in sent["body"]["Headers"]}
    assert headers["Message-ID"] == outbox_message_id(email)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (email.status, email.esp_message_id) == (OutboundEmail.Status.SENT, "pm-7f3c")
    # The provider's bounce names its own message id: it finds the row.
    bounce = postmark_event("Bounce", email.to, kind="HardBounce", message_id="pm-7f3c")
    assert post(client, bounce).status_code == 200
    assert DeliveryEvent.objects.get().email == email


def test_brevos_events_are_read_the_same_way(client, organiser, settings):
    """Another provider's payloads through anymail's own view: Brevo posts one event at a
    time, with no event id, and our metadata in X-Mailin-custom."""
    for name in ("ann", "bob", "cat", "dan", "eve"):
        SupporterFactory(email=f"{name}@example.org")
    _, rows = send_update(organiser)
    now = timezone.now()

    def brevo(address, name, **fields):
        row = rows.get(to=address)
        return {
            "event": name,
            "email": address,
            "id": 123456,
            "date": now.strftime("%Y-%m-%d %H:%M:%S"),
            "ts_epoch": int(now.timestamp() * 1000),
            "message-id": f"<{row.pk}@example.org>",
            "subject": "News",
            "X-Mailin-custom": json.dumps({"outbox_id": str(row.pk)}),
            **fields,
        }

    events = [
        brevo("ann@example.org", "hard_bounce", reason="550 5.1.1 User unknown"),
        brevo("bob@example.org", "soft_bounce", reason="452 4.2.2 Mailbox full"),
        brevo("cat@example.org", "spam"),
        brevo("dan@example.org", "invalid_email"),
        brevo("eve@example.org", "deferred", reason="421 Try again later"),
        brevo("eve@example.org", "delivered"),
    ]
    settings.ANYMAIL_ESP = "brevo"
    for body in [*events, events[0]]:  # Brevo retried the first one
        response = client.post(
            "/anymail/brevo/tracking/", json.dumps(body), content_type="application/json", **auth()
        )
        assert response.status_code == 200

    kinds = {e.email.to: e.kind for e in DeliveryEvent.objects.select_related("email")}
    assert kinds == {
        "ann@example.org": "hard_bounce",
        "bob@example.org": "soft_bounce",  # one temporary bounce suppresses nobody
        "cat@example.org": "complaint",
        "dan@example.org": "hard_bounce",
    }
    assert DeliveryEvent.objects.count() == 4  # the retry added nothing
    assert set(DeliveryEvent.objects.values_list("esp", flat=True)) == {"Brevo"}
    suppressed = set(EmailSuppression.objects.values_list("address_hash", flat=True))
    assert suppressed == {address_hash(f"{name}@example.org") for name in ("ann", "cat", "dan")}


ANYMAIL_TRACKING_ESPS = sorted(
    pattern.name.removesuffix("_tracking_webhook")
    for pattern in anymail_urls.urlpatterns
    if pattern.name.endswith("_tracking_webhook")
)


@pytest.mark.parametrize("esp", [esp for esp in ANYMAIL_TRACKING_ESPS if esp != "postmark"])
def test_other_providers_tracking_webhooks_are_not_there(client, esp):
    """Only the provider the site sends through answers: another's view would fail on its
    missing keys (Mailgun's signing key, Amazon SES's boto3) with a 500."""
    assert (
        client.post(f"/anymail/{esp}/tracking/", "{}", content_type="application/json").status_code
        == 404
    )
    assert (
        client.post(
            f"/anymail/{esp}/tracking/", "{}", content_type="application/json", **auth()
        ).status_code
        == 404
    )
    assert (
        client.post(f"/anymail/{esp}/inbound/", "{}", content_type="application/json").status_code
        == 404
    )


def test_the_configured_providers_tracking_webhook_keeps_its_address(client, settings):
    assert client.post(WEBHOOK, "{}", content_type="application/json").status_code == 400  # no auth
    assert (
        client.post("/anymail/postmark/inbound/", "{}", content_type="application/json").status_code
        == 404
    )
    assert (
        client.post("/anymail/mandrill/", "{}", content_type="application/json").status_code == 404
    )

    settings.ANYMAIL_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": "key"}
    unsigned = client.post(
        "/anymail/mailgun/tracking/", "{}", content_type="application/json", **auth()
    )
    assert unsigned.status_code == 400  # Mailgun's own view: refused for want of a signature
    assert client.post(WEBHOOK, "{}", content_type="application/json", **auth()).status_code == 404


def _bounce_body(**fields) -> bytes:
    body = {**postmark_event("Bounce", "kim@example.org", kind="HardBounce"), **fields}
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"RecordType": "Bounce", "Email": ', id="malformed-json"),
        pytest.param(b"[" + _bounce_body() + b"]", id="json-array"),
        pytest.param(b'"HardBounce kim@example.org"', id="json-string"),
        pytest.param(b"", id="empty-body"),
        pytest.param(_bounce_body().replace(b"kim@", b"kim\xe9@"), id="not-utf-8"),
        pytest.param(_bounce_body(Email=["a@x", "b@x"]), id="email-is-a-list"),
        pytest.param(_bounce_body(Email={"address": "a@x"}), id="email-is-an-object"),
        pytest.param(_bounce_body(Metadata=["outbox_id", "1"]), id="metadata-is-a-list"),
        pytest.param(_bounce_body(Description=["Mailbox", "full"]), id="description-is-a-list"),
        pytest.param(_bounce_body(BouncedAt=20260501), id="time-is-a-number"),
        pytest.param(_bounce_body(BouncedAt="2026-13-45T10:00:00Z"), id="time-is-no-date"),
        pytest.param(_bounce_body(ID="7\x00"), id="nul-in-the-event-id"),
    ],
)
def test_a_body_that_is_not_a_providers_event_is_refused_and_nothing_recorded(client, body):
    response = client.post(WEBHOOK, body, content_type="application/json", **auth())

    assert response.status_code == 400
    assert not DeliveryEvent.objects.exists()
    assert not EmailSuppression.objects.exists()


def test_an_outbox_id_that_is_not_one_of_ours_is_ignored(client):
    """Digits other than ASCII, or more than the primary key holds: the bounce still
    counts for the address, linked to no row."""
    for event_id, outbox_id in ((1, "\u0661\u0662"), (2, "9" * 30), (3, "²")):
        body = _bounce_body(ID=event_id, Metadata={"outbox_id": outbox_id})
        assert (
            client.post(WEBHOOK, body, content_type="application/json", **auth()).status_code == 200
        )

    assert DeliveryEvent.objects.filter(email=None).count() == 3
    assert EmailSuppression.objects.get().address_hash == address_hash("kim@example.org")


def test_an_event_is_linked_only_to_an_outbox_row_sent_to_its_recipient(client, organiser):
    SupporterFactory(email="kim@example.org")
    SupporterFactory(email="lee@example.org")
    _, rows = send_update(organiser)
    kims, lees = rows.get(to="kim@example.org"), rows.get(to="lee@example.org")

    # Kim's bounce naming Lee's email: recorded and suppressing Kim, but about no row.
    wrong_row = postmark_event("Bounce", "kim@example.org", kind="HardBounce", email=lees)
    assert post(client, wrong_row).status_code == 200
    # The address in another case is still Kim's own row.
    own_row = postmark_event("SpamComplaint", "Kim@Example.ORG", event_id=2, email=kims)
    assert post(client, own_row).status_code == 200

    events = {event.kind: event.email for event in DeliveryEvent.objects.all()}
    assert events == {"hard_bounce": None, "complaint": kims}
    assert not DeliveryEvent.objects.filter(email=lees).exists()
    assert list(EmailSuppression.objects.values_list("address_hash", flat=True)) == [
        address_hash("kim@example.org")
    ]
