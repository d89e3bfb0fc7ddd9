"""Updates to the list: exactly the right audience, one email each, never twice."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Suppression, Update, suppression_hash
from volunteers.selectors import supporter_email_links
from volunteers.update_services import (
    update_fan_out,
    update_request_send,
    update_save,
    update_send_test,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user(
        "organiser", "organiser@example.org", "pw", is_staff=True
    )


def draft(organiser, audience="updates", body="The court has ruled on costs."):
    return update_save(
        update=Update(subject="News from the campaign", body=body, audience=audience),
        user=organiser,
    )


def send(update, organiser, **kwargs):
    update_request_send(update=update, user=organiser)
    return update_fan_out(update_id=update.pk, **kwargs)


def test_the_audience_is_exactly_the_confirmed_supporters_who_asked(organiser):
    wanted = [SupporterFactory(wants_updates=False, wants_canvass_alerts=True) for _ in range(3)]
    SupporterFactory(wants_updates=True, wants_canvass_alerts=False)  # other interest
    SupporterFactory(wants_canvass_alerts=True, confirmed_at=None)  # never confirmed
    SupporterFactory(wants_canvass_alerts=True, unsubscribed_at=timezone.now())
    suppressed = SupporterFactory(wants_canvass_alerts=True)
    Suppression.objects.create(email_hash=suppression_hash(suppressed.email))

    queued = send(draft(organiser, audience="canvass"), organiser, chunk_size=2)

    assert queued == 3
    emails = OutboundEmail.objects.filter(key__startswith="update:")
    assert sorted(emails.values_list("to", flat=True)) == sorted(s.email for s in wanted)
    update = Update.objects.get()
    assert update.status == Update.Status.SENT and update.recipient_count == 3
    assert update.fanned_out_through == suppressed.pk  # the last in the audience, skipped


def test_each_email_carries_its_own_links_and_the_one_click_headers(organiser, settings):
    settings.SITE_URL = "https://chris.example"
    supporters = [SupporterFactory() for _ in range(2)]

    send(draft(organiser), organiser)

    for supporter in supporters:
        email = OutboundEmail.objects.get(key=f"update:{Update.objects.get().pk}:{supporter.pk}")
        links = supporter_email_links(supporter)
        assert email.headers == {
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        assert links["unsubscribe_url"].startswith("https://")
        for part in [email.body_text, email.body_html]:
            assert links["preferences_url"] in part and links["unsubscribe_url"] in part
            assert "__PREFERENCES_URL__" not in part and "__UNSUBSCRIBE_URL__" not in part
            assert "Promoted by" in part
        assert email.subject == "News from the campaign"


def test_an_update_is_never_sent_twice(organiser):
    SupporterFactory.create_batch(3)
    update = draft(organiser)
    send(update, organiser)

    with pytest.raises(ValidationError):
        update_request_send(update=update, user=organiser)
    # Even a fan-out forced to run again writes no second copy.
    Update.objects.filter(pk=update.pk).update(status="sending", fanned_out_through=0)
    assert update_fan_out(update_id=update.pk) == 0
    assert OutboundEmail.objects.filter(key__startswith="update:").count() == 3
    with pytest.raises(ValidationError):
        update.subject = "Changed after sending"
        update_save(update=update, user=organiser)


def test_a_draft_is_not_sent_by_a_stray_fan_out(organiser):
    SupporterFactory()
    update = draft(organiser)

    assert update_fan_out(update_id=update.pk) == 0
    assert not OutboundEmail.objects.exists()


def test_fan_out_queries_do_not_grow_with_the_list(organiser):
    def queries_for(count):
        OutboundEmail.objects.all().delete()
        SupporterFactory.create_batch(count)
        update = draft(organiser)
        update_request_send(update=update, user=organiser)
        with CaptureQueriesContext(connection) as captured:
            update_fan_out(update_id=update.pk, chunk_size=1000)
        inserts = sum(1 for query in captured if query["sql"].startswith("INSERT"))
        return len(captured) - inserts, inserts

    queries_for(5)  # warm the campaign settings cache
    (reads_10, inserts_10), (reads_40, inserts_40) = queries_for(10), queries_for(40)
    assert reads_10 == reads_40
    # One INSERT for the chunk; SQLite (`make run`) takes at most 999 values a statement, so
    # it splits a chunk of long rows into a few.
    assert inserts_40 == inserts_10 or connection.vendor == "sqlite"


def test_organiser_text_is_rendered_safely(organiser):
    SupporterFactory()
    body = "<script>alert(1)</script> **Thank you**\n\nRead it at https://example.org/costs"

    send(draft(organiser, body=body), organiser)

    html = OutboundEmail.objects.get().body_html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>Thank you</strong>" in html
    assert '<a href="https://example.org/costs"' in html


def test_a_test_send_goes_only_to_the_organiser(organiser):
    SupporterFactory.create_batch(2)
    update = draft(organiser)

    update_send_test(update=update, to="organiser@example.org")
    update_send_test(update=update, to="organiser@example.org")

    tests = OutboundEmail.objects.all()
    assert [email.to for email in tests] == ["organiser@example.org"] * 2
    assert all(email.subject == "[Test] News from the campaign" for email in tests)
    assert all("This is a test" in email.body_html for email in tests)
    assert Update.objects.get().status == Update.Status.DRAFT


def test_the_subject_is_plain_text_not_html_escaped(organiser):
    SupporterFactory()
    update = update_save(
        update=Update(subject='What\'s next: "costs" & <you>', body="Hi"), user=organiser
    )

    send(update, organiser)

    assert OutboundEmail.objects.get().subject == 'What\'s next: "costs" & <you>'


@pytest.mark.django_db(transaction=True)
def test_an_update_renders_once_with_no_lock_held_while_it_renders(organiser, monkeypatch):
    from tests.support.locks import row_is_free
    from volunteers import update_services

    SupporterFactory.create_batch(25)
    update = draft(organiser)
    # As update_request_send() leaves it, without handing the fan-out to a running worker.
    Update.objects.filter(pk=update.pk).update(status=Update.Status.SENDING)
    renders = []

    def render(**kwargs):
        renders.append(row_is_free(Update, update.pk))
        return real_render(**kwargs)

    real_render = update_services.outbox_render
    monkeypatch.setattr(update_services, "outbox_render", render)

    assert update_fan_out(update_id=update.pk, chunk_size=10) == 25

    assert renders == [True]
    assert OutboundEmail.objects.filter(key__startswith=update.outbox_key_prefix).count() == 25
