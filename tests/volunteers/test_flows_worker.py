"""The mailing list end to end: a real Celery worker on Redis sends through a real SMTP
server (aiosmtpd), and the test follows the links in the emails as a supporter would."""

import re
import time

import pytest
from django.db import transaction
from django.test import Client

from campaign_site.core.models import OutboundEmail
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Supporter, Update
from volunteers.selectors import supporter_email_links
from volunteers.tasks import update_fan_out_task
from volunteers.update_services import update_request_send, update_save

pytestmark = pytest.mark.services


def link_in(text: str, kind: str) -> str:
    """The path of the first link to /<kind>/ in an email's text."""
    match = re.search(rf"https?://[^/\s]+(/{kind}/[^\s]+/)", text)
    assert match, f"no /{kind}/ link in:\n{text}"
    return match.group(1)


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user("organiser", "organiser@example.org", "pw")


def send_update(organiser, subject, audience="updates") -> Update:
    with transaction.atomic():
        update = update_save(
            update=Update(subject=subject, body=f"{subject}.\n\nThank you.", audience=audience),
            user=organiser,
        )
        update_request_send(update=update, user=organiser)
    return update


def wait_until_sent(update: Update, timeout=20.0) -> Update:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        update.refresh_from_db()
        queued = OutboundEmail.objects.filter(
            key__startswith=update.outbox_key_prefix, status__in=["queued", "sending"]
        )
        if update.status == Update.Status.SENT and not queued.exists():
            return update
        time.sleep(0.1)
    raise AssertionError(f"update {update.pk} is still {update.status}")


def test_join_confirm_get_an_update_and_leave_in_one_click(worker, mailbox, organiser):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/join/", {"email": "Kim@Example.org", "wants_canvass_alerts": "on"})
    assert response.status_code == 302
    client.post("/join/", {"email": "lee@example.org", "wants_canvass_alerts": "on"})

    mails = mailbox.wait_for(2)
    [confirmation] = mailbox.to("kim@example.org")
    assert confirmation.subject.startswith("Please confirm")
    assert "canvassing alerts" in confirmation.text and "Confirm my sign-up" in confirmation.html
    assert "Promoted by" in confirmation.text and "Promoted by" in confirmation.html
    assert confirmation.message["List-Unsubscribe"] is None
    confirm_path = link_in(confirmation.text, "join/confirm")

    # Nobody confirmed yet: an update reaches nobody.
    first = wait_until_sent(send_update(organiser, "Before anyone confirmed", "canvass"))
    assert first.recipient_count == 0

    page = client.get(confirm_path)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert (
        b"You are on the list" in client.post(confirm_path, {"csrfmiddlewaretoken": csrf}).content
    )

    update = wait_until_sent(send_update(organiser, "Canvassing this Saturday", "canvass"))
    mails = mailbox.wait_for(3)
    [news] = [mail for mail in mails if mail.subject == "Canvassing this Saturday"]
    assert news.rcpt_tos == ["kim@example.org"]  # lee never confirmed
    assert "Canvassing this Saturday." in news.text and "<p>Thank you.</p>" in news.html
    assert news.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = str(news.message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe_url.startswith(("http://", "https://"))
    assert unsubscribe_url in news.text and unsubscribe_url in news.html
    assert link_in(news.text, "preferences")
    assert "Promoted by" in news.text

    # A retried or repeated fan-out writes nothing twice, so sends nothing twice.
    Update.objects.filter(pk=update.pk).update(status="sending", fanned_out_through=0)
    update_fan_out_task.delay(update.pk)
    wait_until_sent(update)
    rows = OutboundEmail.objects.filter(key__startswith=update.outbox_key_prefix)
    assert list(rows.values_list("to", "status")) == [("kim@example.org", "sent")]
    assert [mail.subject for mail in mailbox.to("kim@example.org")].count(
        "Canvassing this Saturday"
    ) == 1

    # The mail client's one-click POST: no cookie, no CSRF token.
    one_click = Client(enforce_csrf_checks=True).post(
        "/" + unsubscribe_url.split("/", 3)[3],
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert not Supporter.objects.get(email="kim@example.org").is_subscribed

    after = wait_until_sent(send_update(organiser, "After unsubscribing", "canvass"))
    assert after.recipient_count == 0
    assert not OutboundEmail.objects.filter(key__startswith=after.outbox_key_prefix).exists()
    assert not [mail for mail in mailbox.received if mail.subject == "After unsubscribing"]


def test_an_existing_supporter_gets_a_manage_your_preferences_email(worker, mailbox):
    SupporterFactory(email="sam@example.org", wants_updates=True)

    response = Client().post("/join/", {"email": "SAM@example.org", "wants_updates": "on"})

    assert response.status_code == 302
    [mail] = mailbox.wait_for(1)
    assert mail.subject.startswith("You are already on")
    assert "Manage your preferences" in mail.html
    page = Client().get(link_in(mail.text, "preferences"))
    assert page.status_code == 200 and b"sam@example.org" in page.content


def test_erasure_then_a_fresh_sign_up_needs_fresh_consent(worker, mailbox, organiser):
    supporter = SupporterFactory(email="ash@example.org", name="Ash")
    client = Client()
    preferences = "/" + supporter_email_links(supporter)["preferences_url"].split("/", 3)[3]
    erase_page = client.get(preferences + "erase/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', erase_page.content.decode())[1]
    client.post(preferences + "erase/", {"csrfmiddlewaretoken": csrf})
    assert not Supporter.objects.filter(email="ash@example.org").exists()

    client.post("/join/", {"email": "ash@example.org", "wants_updates": "on"})
    [mail] = mailbox.wait_for(1)
    assert mail.subject.startswith("Please confirm")  # not "already on the list"

    unconfirmed = wait_until_sent(send_update(organiser, "While not confirmed"))
    assert unconfirmed.recipient_count == 0

    client.post(link_in(mail.text, "join/confirm"))
    wait_until_sent(send_update(organiser, "After confirming again"))
    mails = mailbox.wait_for(2)
    assert [m.subject for m in mails if m.rcpt_tos == ["ash@example.org"]] == [
        mail.subject,
        "After confirming again",
    ]


def test_a_complaint_webhook_keeps_the_next_update_from_that_inbox(
    worker, mailbox, organiser, settings
):
    import base64
    import json

    settings.ANYMAIL_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hooks:a-long-password"}
    SupporterFactory(email="kim@example.org")
    SupporterFactory(email="lee@example.org")
    first = wait_until_sent(send_update(organiser, "First news"))
    mailbox.wait_for(2)
    kim = Supporter.objects.get(email="kim@example.org")
    kims = OutboundEmail.objects.get(key=f"{first.outbox_key_prefix}{kim.pk}")
    complaint = {
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "ID": 42,
        "Email": "kim@example.org",
        "BouncedAt": "2026-05-01T10:00:00Z",
        "Metadata": {"outbox_id": str(kims.pk)},
    }
    response = Client().post(
        "/anymail/postmark/tracking/",
        json.dumps(complaint),
        content_type="application/json",
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"hooks:a-long-password").decode(),
    )
    assert response.status_code == 200

    second = wait_until_sent(send_update(organiser, "Second news"))

    # Every copy has left the outbox, and a row is marked sent only once the SMTP server has
    # accepted its email: what the mailbox holds of this update is all there will be.
    copies = OutboundEmail.objects.filter(key__startswith=second.outbox_key_prefix)
    assert list(copies.values_list("to", "status")) == [("lee@example.org", "sent")]
    assert second.recipient_count == 1
    assert [mail.rcpt_tos for mail in mailbox.received if mail.subject == "Second news"] == [
        ["lee@example.org"]
    ]
