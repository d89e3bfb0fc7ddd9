from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue, outbox_enqueue_many
from campaign_site.core.sending import outbox_send, outbox_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def hello(test_email_templates, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return test_email_templates


def enqueue(template, key="hello:1", to="sam@example.org"):
    return outbox_enqueue(
        key=key, to=to, template=template, context={"name": "Sam"}, person=None, about=None
    )


def test_enqueue_writes_one_row_per_key(hello, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = enqueue(hello)
        second = enqueue(hello)

    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(callbacks) == 1
    assert first.subject == "Hello Sam"
    assert first.status == OutboundEmail.Status.QUEUED


def test_enqueue_is_part_of_the_callers_transaction(hello):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(hello)
        raise RuntimeError("the change that caused the email failed")

    assert not OutboundEmail.objects.exists()


def test_send_delivers_text_and_html_ending_with_the_imprint(hello):
    email = enqueue(hello)

    report = outbox_send(email_ids=[email.pk])

    assert report.sent == [email.pk]
    [message] = mail.outbox
    assert message.to == ["sam@example.org"]
    assert "Hello Sam" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<p>Hello Sam" in html
    email.refresh_from_db()
    imprint = "Promoted by the election agent for Chris Williamson"
    assert imprint in message.body and imprint in html
    assert email.status == OutboundEmail.Status.SENT
    assert email.tries == 1
    assert email.sent_at is not None


def test_a_sent_email_is_not_sent_again(hello):
    email = enqueue(hello)
    outbox_send(email_ids=[email.pk])

    report = outbox_send(email_ids=[email.pk])

    assert report.sent == []
    assert len(mail.outbox) == 1


def test_headers_and_attachments_are_sent(hello):
    email = outbox_enqueue(
        key="hello:2",
        to="sam@example.org",
        template=hello,
        context={"name": "Sam"},
        person=None,
        about=None,
        headers={"List-Unsubscribe": "<https://example.org/u/abc>"},
        attachments=[
            {"filename": "session.ics", "content": "BEGIN:VCALENDAR", "mimetype": "text/calendar"}
        ],
    )

    outbox_send(email_ids=[email.pk])

    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe"] == "<https://example.org/u/abc>"
    assert message.attachments[0][0] == "session.ics"


def test_refused_send_is_retried_later_with_backoff(hello, settings, smtp_server, mailbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    mailbox.refusing = True
    email = enqueue(hello)

    report = outbox_send(email_ids=[email.pk])

    email.refresh_from_db()
    assert report.retry == [email.pk]
    assert report.retry_in == 30
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.tries == 1
    assert "451" in email.last_error
    assert email.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # Not due yet: a second attempt now sends nothing.
    mailbox.refusing = False
    assert outbox_send(email_ids=[email.pk]).sent == []
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(email_ids=[email.pk]).sent == [email.pk]
    assert len(mailbox.received) == 1


def test_retries_slow_down_to_an_hour_and_give_up_after_36_hours(
    hello, settings, smtp_server, mailbox
):
    from campaign_site.core.sending import outbox_retry_delay

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    assert [outbox_retry_delay(tries) for tries in (1, 2, 3, 7, 8, 40)] == [
        30,
        60,
        120,
        1920,
        3600,
        3600,
    ]
    mailbox.refusing = True
    email = enqueue(hello)
    OutboundEmail.objects.filter(pk=email.pk).update(
        tries=30, created_at=timezone.now() - timedelta(hours=35)
    )

    assert outbox_send(email_ids=[email.pk]).retry == [email.pk]  # try 31, a day and more on
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.next_attempt_at > timezone.now() + timedelta(minutes=59)

    OutboundEmail.objects.filter(pk=email.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - timedelta(hours=36, minutes=1)
    )
    report = outbox_send(email_ids=[email.pk])

    email.refresh_from_db()
    assert report.failed == [email.pk]
    assert email.status == OutboundEmail.Status.FAILED and not email.permanent_failure
    assert email.tries == 32 and "451" in email.last_error


def test_an_address_the_server_refuses_fails_at_once(hello, settings):
    import smtplib

    from campaign_site.core import sending

    email = enqueue(hello)

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({email.to: (550, b"5.1.1 No such user")})

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    original = sending.EmailMultiAlternatives.send
    sending.EmailMultiAlternatives.send = refuse
    try:
        report = outbox_send(email_ids=[email.pk])
    finally:
        sending.EmailMultiAlternatives.send = original

    email.refresh_from_db()
    assert report.failed == [email.pk]
    assert email.status == OutboundEmail.Status.FAILED and email.permanent_failure
    assert outbox_sweep() == []  # not tried again


def test_the_sweep_gives_failed_rows_that_may_still_succeed_another_go(hello):
    old_policy = enqueue(hello, key="failed-after-6-tries")
    refused = enqueue(hello, key="refused")
    too_old = enqueue(hello, key="too-old")
    failed = OutboundEmail.Status.FAILED
    an_hour_ago = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.filter(pk=old_policy.pk).update(
        status=failed, tries=6, created_at=an_hour_ago
    )
    OutboundEmail.objects.filter(pk=refused.pk).update(status=failed, permanent_failure=True)
    OutboundEmail.objects.filter(pk=too_old.pk).update(
        status=failed, created_at=timezone.now() - timedelta(hours=37)
    )

    due = outbox_sweep(now=timezone.now() + timedelta(minutes=5))

    assert due == [old_policy.pk]
    assert OutboundEmail.objects.get(pk=old_policy.pk).status == OutboundEmail.Status.QUEUED


def test_claims_are_small_and_renewed_while_a_worker_sends(hello, settings):
    """A live worker's rows never look abandoned; a dead one's do within the setting."""
    import time

    from django.core.mail.backends.locmem import EmailBackend

    settings.OUTBOX_CLAIM_SIZE = 3
    settings.OUTBOX_STALE_SENDING_SECONDS = 0.6
    emails = [enqueue(hello, key=f"claim:{n}") for n in range(7)]
    seen = []

    class SlowBackend(EmailBackend):
        def send_messages(self, messages):
            time.sleep(0.25)
            sending = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENDING)
            oldest = min(sending.values_list("sending_started_at", flat=True))
            seen.append((sending.count(), (timezone.now() - oldest).total_seconds()))
            return super().send_messages(messages)

    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    globals()["SlowBackend"] = SlowBackend

    assert len(outbox_send(email_ids=[email.pk for email in emails]).sent) == 7

    assert max(count for count, _ in seen) == 3
    assert max(age for _, age in seen) < 0.6  # renewed before it could look stale


def test_sweep_finds_unsent_rows_after_the_grace_period_and_stuck_ones(hello, settings):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 120
    fresh = enqueue(hello, key="fresh")
    old = enqueue(hello, key="old")
    stuck = enqueue(hello, key="stuck")
    sent = enqueue(hello, key="sent")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    OutboundEmail.objects.filter(pk=old.pk).update(next_attempt_at=an_hour_ago)
    OutboundEmail.objects.filter(pk=stuck.pk).update(
        status=OutboundEmail.Status.SENDING,
        sending_started_at=an_hour_ago,
        next_attempt_at=an_hour_ago,
    )
    OutboundEmail.objects.filter(pk=sent.pk).update(
        status=OutboundEmail.Status.SENT, next_attempt_at=an_hour_ago
    )

    due = outbox_sweep()

    assert sorted(due) == sorted([old.pk, stuck.pk])
    assert fresh.pk not in due


def test_enqueue_many_skips_keys_already_written(hello, django_capture_on_commit_callbacks):
    enqueue(hello, key="update:1:a@example.org", to="a@example.org")
    rows = [
        OutboundEmail(
            key=f"update:1:{address}", to=address, subject="S", body_text="t", body_html="h"
        )
        for address in ["a@example.org", "b@example.org", "c@example.org"]
    ]

    with django_capture_on_commit_callbacks():
        created = outbox_enqueue_many(emails=rows)

    assert created == 2
    assert OutboundEmail.objects.count() == 3


def test_subjects_are_plain_text_not_html_escaped(test_email_templates):
    email = outbox_enqueue(
        key="hello:apostrophe",
        to="sam@example.org",
        template=test_email_templates,
        context={"name": "Sam's & Jo's <team>"},
        person=None,
        about=None,
    )

    assert email.subject == "Hello Sam's & Jo's <team>"
    assert "Sam&#x27;s &amp; Jo&#x27;s &lt;team&gt;" in email.body_html


def test_the_plain_text_part_is_never_marked_safe_html(test_email_templates):
    from django.utils.safestring import SafeData

    from campaign_site.core.outbox import outbox_render

    rendered = outbox_render(template=test_email_templates, context={"name": "<script>"})

    assert not isinstance(rendered.body_text, SafeData)
    assert not isinstance(rendered.subject, SafeData)
