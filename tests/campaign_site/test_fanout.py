"""The core fan-out: rendered once per variant, personalised by replacement, written in
chunks of their own transactions, app-agnostic (here the recipients are staff accounts)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign_site.core.fanout import (
    FanOutCopy,
    FanOutStopped,
    fanout_marks,
    keyset_chunks,
    outbox_fan_out,
)
from campaign_site.core.models import OutboundEmail, User
from campaign_site.core.outbox import outbox_link_label, outbox_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return [
        django_user_model.objects.create_user(f"user{n}", f"user{n}@example.org", "pw")
        for n in range(7)
    ]


def fan_out(template, *, on_chunk=None, chunk_size=3, renders=None):
    def render(variant):
        if renders is not None:
            renders.append(variant)
        return outbox_render(template=template, context=fanout_marks("name"))

    def copies_for(chunk):
        return [
            FanOutCopy(
                key=f"hello:{user.pk}",
                to=user.email,
                links={"name": user.username},
                person=user,
                variant=user.pk % 2,
            )
            for user in chunk
            if user.username != "user3"  # skipped by the caller
        ]

    return outbox_fan_out(
        render=render,
        recipients=keyset_chunks(User.objects.all(), chunk_size=chunk_size),
        copies_for=copies_for,
        about=None,
        chunk_size=chunk_size,
        on_chunk=on_chunk,
    )


def test_renders_once_per_variant_and_personalises_each_copy(
    staff, test_email_templates, django_capture_on_commit_callbacks
):
    renders = []
    with django_capture_on_commit_callbacks():
        queued = fan_out(test_email_templates, renders=renders)

    assert queued == 6
    assert sorted(renders) == [0, 1]
    for user in staff:
        email = OutboundEmail.objects.filter(key=f"hello:{user.pk}").first()
        if user.username == "user3":
            assert email is None
            continue
        assert email.subject == f"Hello {user.username}"
        assert f"Hello {user.username}, thanks" in email.body_text
        assert f"<p>Hello {user.username}, thanks" in email.body_html
        assert (email.person_type, email.person_id) == (outbox_link_label(User), user.pk)


def test_values_are_escaped_in_html_only(staff, test_email_templates):
    User.objects.filter(pk=staff[0].pk).update(username="<b>Jo&Sam</b>")

    fan_out(test_email_templates)

    email = OutboundEmail.objects.get(key=f"hello:{staff[0].pk}")
    assert "Hello <b>Jo&Sam</b>, thanks" in email.body_text
    assert "Hello &lt;b&gt;Jo&amp;Sam&lt;/b&gt;, thanks" in email.body_html


def test_each_chunk_commits_with_its_progress_and_a_stop_drops_the_chunk_in_hand(
    staff, test_email_templates
):
    progress = []

    def on_chunk(chunk, created):
        if len(progress) == 1:
            raise FanOutStopped
        progress.append((chunk[-1].pk, created))

    queued = fan_out(test_email_templates, on_chunk=on_chunk)

    assert progress == [(staff[2].pk, 3)]
    assert queued == 3
    assert OutboundEmail.objects.count() == 3


def test_a_second_run_writes_nothing_and_queries_do_not_grow(staff, test_email_templates):
    fan_out(test_email_templates, chunk_size=100)
    assert fan_out(test_email_templates, chunk_size=100) == 0
    assert OutboundEmail.objects.count() == 6

    def queries_for_all():
        OutboundEmail.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            queued = fan_out(test_email_templates, chunk_size=100)
        assert queued == User.objects.count() - 1
        return len(captured)

    few = queries_for_all()
    for n in range(7, 40):
        User.objects.create_user(f"user{n}", f"user{n}@example.org", "pw")
    assert queries_for_all() == few
