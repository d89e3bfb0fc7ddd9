"""The outbox end to end: a real Celery worker on Redis sending to a real SMTP server."""

import subprocess
import sys
import time

import pytest
from django.db import transaction

from campaign_site.core.models import OutboundEmail
from campaign_site.core.services import mail_check_send
from campaign_site.core.tasks import outbox_sweep_task
from tests.support.worker import PROJECT_DIR, CeleryWorker

pytestmark = pytest.mark.services


def queue_mail_check(to="sam@example.org") -> OutboundEmail:
    with transaction.atomic():
        return mail_check_send(to=to, requested_by="organiser")


def wait_for_status(email, status, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        email.refresh_from_db()
        if email.status == status:
            return email
        time.sleep(0.1)
    raise AssertionError(f"{email.key} is {email.status}, expected {status}")


def test_a_queued_email_arrives_once_with_both_parts(worker, mailbox):
    email = queue_mail_check()

    [received] = mailbox.wait_for(1)

    assert received.rcpt_tos == ["sam@example.org"]
    assert received.subject == "Test email from the Chris Williamson campaign site"
    assert "If you can read this" in received.text
    assert "<p>It was asked for by organiser" in received.html
    assert "Promoted by" in received.text and "Promoted by" in received.html
    assert wait_for_status(email, OutboundEmail.Status.SENT).tries == 1


def test_the_same_key_queued_twice_sends_once(worker, test_email_templates, mailbox):
    from campaign_site.core.outbox import outbox_enqueue

    def enqueue():
        with transaction.atomic():
            return outbox_enqueue(
                key="hello:twice",
                to="sam@example.org",
                template=test_email_templates,
                context={"name": "Sam"},
                person=None,
                about=None,
            )

    first, second = enqueue(), enqueue()

    mailbox.wait_for(1)

    assert first.pk == second.pk
    assert OutboundEmail.objects.filter(key="hello:twice").count() == 1
    assert wait_for_status(first, OutboundEmail.Status.SENT).tries == 1  # sent once
    assert len(mailbox.received) == 1
    assert mailbox.received[0].subject == "Hello Sam"


def test_refused_email_is_retried_and_sent_when_smtp_comes_back(worker, mailbox):
    mailbox.refusing = True
    email = queue_mail_check()

    # (tries goes up when a worker claims the row, the error a moment later.)
    deadline = time.monotonic() + 20
    while "451" not in email.last_error and time.monotonic() < deadline:
        time.sleep(0.1)
        email.refresh_from_db()
    assert "451" in email.last_error
    assert email.status in {OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING}
    mailbox.refusing = False

    [received] = mailbox.wait_for(1, timeout=30)
    email = wait_for_status(email, OutboundEmail.Status.SENT)
    assert received.rcpt_tos == ["sam@example.org"]
    assert email.tries >= 2


def test_broker_down_when_written_then_the_sweep_sends_it(worker, mailbox):
    # The process that writes the email cannot reach its broker (nothing listens on
    # port 1): the write still succeeds, quickly, and leaves the row queued.
    env = CeleryWorker(smtp_port=mailbox.port).environment()
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"
    code = """
import time, django
django.setup()
from django.db import transaction
from campaign_site.core.services import mail_check_send
started = time.monotonic()
with transaction.atomic():
    mail_check_send(to="kim@example.org", requested_by="organiser")
print(round(time.monotonic() - started, 1))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert float(result.stdout.strip().splitlines()[-1]) < 10
    assert "left for the sweep" in result.stderr
    email = OutboundEmail.objects.get(to="kim@example.org")
    assert email.status == OutboundEmail.Status.QUEUED
    assert email.tries == 0  # no task reached a worker: it waits for the sweep

    outbox_sweep_task.delay()

    [received] = mailbox.wait_for(1)
    assert received.rcpt_tos == ["kim@example.org"]
    wait_for_status(email, OutboundEmail.Status.SENT)


def write_rows(count: int, prefix: str) -> list[OutboundEmail]:
    """Rows as the outbox writes them, not yet handed to any worker."""
    return OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"{prefix}:{n}",
            to=f"{prefix}{n}@example.org",
            subject=f"Hello {n}",
            body_text="Hello",
            body_html="<p>Hello</p>",
        )
        for n in range(count)
    )


def statuses(rows) -> dict[str, int]:
    found = OutboundEmail.objects.filter(pk__in=[row.pk for row in rows])
    counts: dict[str, int] = {}
    for status in found.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_rows_a_killed_worker_held_are_sent_soon_after_a_new_worker_starts(
    transactional_db, mailbox
):
    """SIGKILL a worker while it holds claimed rows: with the claim not renewed they go back
    to the queue at the next sweep (here a 5-second setting stands for the 90 seconds)."""
    from campaign_site.core.tasks import outbox_send_task

    crash_env = {"OUTBOX_STALE_SENDING_SECONDS": "5", "OUTBOX_CLAIM_SIZE": "4"}
    doomed = CeleryWorker(
        smtp_port=mailbox.port, extra_env=crash_env, queues="crash-test", name="doomed"
    )
    doomed.start()
    mailbox.delay = 1.0  # a slow relay: the worker is mid-batch for seconds
    rows = write_rows(10, "crash")
    outbox_send_task.apply_async(args=[[row.pk for row in rows]], queue="crash-test")
    deadline = time.monotonic() + 30
    while statuses(rows).get("sent", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    doomed.kill()
    held = statuses(rows)
    assert held.get("sending", 0) >= 1, held  # claimed by the dead worker

    mailbox.delay = 0.0
    survivor = CeleryWorker(
        smtp_port=mailbox.port, extra_env=crash_env, queues="crash-test,celery", name="survivor"
    )
    survivor.start()
    started = time.monotonic()
    try:
        while statuses(rows).get("sent", 0) < 10 and time.monotonic() - started < 120:
            outbox_sweep_task.apply_async(queue="crash-test")  # beat runs it every minute
            time.sleep(2)
    finally:
        survivor.stop()

    assert statuses(rows) == {"sent": 10}, survivor.log()
    received = {mail.rcpt_tos[0]: [] for mail in mailbox.received}
    for mail in mailbox.received:
        received[mail.rcpt_tos[0]].append(mail.message["Message-ID"])
    assert sorted(received) == sorted(row.to for row in rows)
    # At most the one being handed over when it died arrives twice, with the same id.
    repeats = {to: ids for to, ids in received.items() if len(ids) > 1}
    assert len(repeats) <= 1 and all(len(set(ids)) == 1 for ids in repeats.values())


def test_smtp_refusing_longer_than_six_tries_loses_nothing(worker, mailbox):
    mailbox.refusing = True
    with transaction.atomic():
        emails = [mail_check_send(to=f"wait{n}@example.org", requested_by="x") for n in range(3)]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = OutboundEmail.objects.filter(pk__in=[email.pk for email in emails])
        assert not rows.filter(status=OutboundEmail.Status.FAILED).exists()
        if min(rows.values_list("tries", flat=True)) >= 8:
            break
        time.sleep(0.2)
    assert min(rows.values_list("tries", flat=True)) >= 8  # the old policy gave up after 6
    assert mailbox.received == []
    mailbox.refusing = False

    received = mailbox.wait_for(3, timeout=30)

    assert sorted(mail.rcpt_tos[0] for mail in received) == [
        f"wait{n}@example.org" for n in range(3)
    ]
    for email in emails:
        wait_for_status(email, OutboundEmail.Status.SENT)
