from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue, outbox_enqueue_many, outbox_send, outbox_sweep

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


def test_gives_up_after_the_last_try(hello, settings, smtp_server, mailbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.OUTBOX_MAX_TRIES = 2
    mailbox.refusing = True
    email = enqueue(hello)

    outbox_send(email_ids=[email.pk])
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
    report = outbox_send(email_ids=[email.pk])

    email.refresh_from_db()
    assert report.failed == [email.pk]
    assert email.status == OutboundEmail.Status.FAILED
    assert email.tries == 2


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
