"""Outbox rows say whom they are for and what they are about; erasure and the nightly
blanking of old bodies follow those links, and the keys stay so nothing is sent twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import (
    ERASED_ADDRESS,
    outbox_enqueue,
    outbox_link_label,
)
from campaign_site.core.sending import outbox_send
from campaign_site.core.tasks import outbox_blank_old_bodies_task
from donations.models import Donation, Donor, Payment
from donations.services.ledger import receipt_send
from events.services import rsvp_create
from tests.events.factories import EventFactory
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Supporter, Update
from volunteers.retention import retention_erase_due
from volunteers.services import supporter_erase, supporter_subscribe
from volunteers.update_services import update_fan_out, update_request_send, update_save

pytestmark = pytest.mark.django_db


def linked_to(email: OutboundEmail):
    return email.person, email.about


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user("organiser", "organiser@example.org", "pw")


def test_every_writer_links_its_rows_to_the_person_and_what_they_are_about(organiser):
    supporter = SupporterFactory(email="kim@example.org")
    update = update_save(update=Update(subject="News", body="Hello"), user=organiser)
    update_request_send(update=update, user=organiser)
    update_fan_out(update_id=update.pk)
    event = EventFactory()
    rsvp_create(event=event, email=supporter.email, first_name="Kim")
    new = supporter_subscribe(email="lee@example.org", source="join", page="/join/")
    donor = Donor.objects.create(email="dan@example.org")
    donation = Donation.objects.create(
        donor=donor, amount_pence=2_500, name="Dan", email="dan@example.org"
    )
    payment = Payment.objects.create(
        donation=donation, stripe_key="pi_1", amount_pence=2_500, received_at=timezone.now()
    )
    receipt_send(donation=donation, payment=payment)

    rows = {email.key.split(":")[0]: email for email in OutboundEmail.objects.all()}
    assert linked_to(rows["update"]) == (supporter, update)
    assert linked_to(rows["rsvp-confirm"]) == (supporter, event)
    assert linked_to(rows["signup-confirm"]) == (new, new.consents.get())
    assert linked_to(rows["donation-receipt"]) == (donor, donation)


def test_erasure_follows_the_person_link(test_email_templates, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sam, kim = SupporterFactory(email="sam@example.org"), SupporterFactory(email="kim@example.org")

    def write(key, person, to):
        return outbox_enqueue(
            key=key,
            to=to,
            template=test_email_templates,
            context={"name": "Sam"},
            person=person,
            about=None,
        )

    sent, queued = write("sent", sam, sam.email), write("queued", sam, sam.email)
    staff_copy = write("staff-copy", None, "sam@example.org")  # linked to no one
    kims = write("kims", kim, kim.email)
    outbox_send(email_ids=[sent.pk, staff_copy.pk, kims.pk])

    supporter_erase(supporter=sam)

    assert not OutboundEmail.objects.filter(pk=queued.pk).exists()
    for email in [sent, staff_copy]:
        email.refresh_from_db()
        assert (email.to, email.subject, email.body_text, email.body_html, email.headers) == (
            ERASED_ADDRESS,
            "(erased)",
            "",
            "",
            {},
        )
        assert email.status == OutboundEmail.Status.SENT and email.blanked_at is not None
    kims.refresh_from_db()
    assert kims.to == "kim@example.org" and kims.body_text


def test_retention_erases_by_link_in_chunks(monkeypatch):
    from campaign_site.core.selectors import campaign_settings_get
    from campaign_site.core.services import campaign_settings_update
    from volunteers import retention

    monkeypatch.setattr(retention, "CHUNK", 2)
    supporters = SupporterFactory.create_batch(5)
    person_type = outbox_link_label(Supporter)
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            key=f"old:{supporter.pk}",
            to=supporter.email,
            subject="Hello",
            body_text="Hello",
            body_html="<p>Hello</p>",
            status=OutboundEmail.Status.SENT,
            sent_at=timezone.now(),
            person_type=person_type,
            person_id=supporter.pk,
        )
        for supporter in supporters
    )
    campaign = campaign_settings_get()
    campaign.volunteer_data_retained_until = timezone.localdate() - timedelta(days=1)
    campaign_settings_update(campaign=campaign)

    assert retention_erase_due() == 5

    assert set(OutboundEmail.objects.values_list("to", "body_text")) == {(ERASED_ADDRESS, "")}
    assert OutboundEmail.objects.count() == 5  # the keys stay


def test_bodies_of_emails_sent_over_30_days_ago_are_blanked_and_the_key_stays(
    test_email_templates, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def write(key):
        return outbox_enqueue(
            key=key,
            to="sam@example.org",
            template=test_email_templates,
            context={"name": "Sam"},
            person=None,
            about=None,
            headers={"List-Unsubscribe": "<https://example.org/u/secret>"},
        )

    old, recent, unsent = write("old"), write("recent"), write("unsent")
    outbox_send(email_ids=[old.pk, recent.pk])
    OutboundEmail.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=31))
    OutboundEmail.objects.filter(pk=recent.pk).update(sent_at=timezone.now() - timedelta(days=29))

    assert outbox_blank_old_bodies_task() == 1
    assert outbox_blank_old_bodies_task() == 0

    old.refresh_from_db()
    assert (old.body_text, old.body_html, old.headers) == ("", "", {})
    assert old.blanked_at is not None
    assert (old.key, old.to, old.subject) == ("old", "sam@example.org", "Hello Sam")
    for email in [recent, unsent]:
        email.refresh_from_db()
        assert "Hello Sam" in email.body_text and email.blanked_at is None
    # Writing the same email again finds the blanked row: nothing new is queued or sent.
    with django_capture_on_commit_callbacks() as callbacks:
        assert write("old").pk == old.pk
    assert callbacks == []
    assert outbox_send(email_ids=[old.pk]).sent == []


def test_the_blanking_runs_every_night(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["outbox-blank-old-bodies"]
    assert schedule["task"] == outbox_blank_old_bodies_task.name
    assert settings.OUTBOX_KEEP_BODIES_DAYS == 30
