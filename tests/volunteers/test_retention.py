from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import AuditEvent, CampaignSettings
from donations.models import Donation, Donor
from events.models import Rsvp
from tests.events.factories import EventFactory, RsvpFactory
from volunteers.models import Supporter
from volunteers.retention import retention_erase_due, retention_plan
from volunteers.tasks import retention_erase_task

pytestmark = pytest.mark.django_db


def set_retention_date(days_from_today: int):
    from campaign_site.core.selectors import campaign_settings_get
    from campaign_site.core.services import campaign_settings_update

    campaign = campaign_settings_get()
    campaign.volunteer_data_retained_until = timezone.localdate() + timedelta(days=days_from_today)
    campaign_settings_update(campaign=campaign)


@pytest.fixture
def people():
    sam = Supporter.objects.create(
        email="sam@example.org",
        name="Sam",
        postcode="DE22 1AA",
        phone="07700900123",
        wants_updates=True,
        confirmed_at=timezone.now(),
    )
    past_rsvp = RsvpFactory(
        supporter=sam,
        first_name="Sam",
        phone="07700900123",
        event=EventFactory(
            starts_at=timezone.now() - timedelta(days=3),
            ends_at=timezone.now() - timedelta(days=3) + timedelta(hours=2),
        ),
    )
    upcoming = EventFactory(capacity=1)
    upcoming_rsvp = RsvpFactory(supporter=sam, first_name="Sam", event=upcoming)
    waiting = RsvpFactory(event=upcoming, status=Rsvp.Status.WAITING, first_name="Kim")
    donor = Donor.objects.create(email="sam@example.org")
    donation = Donation.objects.create(
        donor=donor, amount_pence=2_500, name="Sam Smith", email="sam@example.org"
    )
    return {
        "sam": sam,
        "past": past_rsvp,
        "upcoming": upcoming_rsvp,
        "waiting": waiting,
        "donation": donation,
    }


def test_nothing_is_erased_before_the_date_or_without_one(people):
    assert retention_erase_due() == 0
    set_retention_date(days_from_today=0)  # the last day data is kept

    assert retention_erase_due() == 0
    assert Supporter.objects.get(pk=people["sam"].pk).email == "sam@example.org"


def test_after_the_date_personal_data_goes_and_counts_and_donations_stay(people):
    supporters_before = Supporter.objects.count()
    set_retention_date(days_from_today=-1)

    erased = retention_erase_task()

    sam = Supporter.objects.get(pk=people["sam"].pk)
    assert erased == Supporter.objects.count() == supporters_before
    assert sam.erased_at is not None
    assert "sam" not in sam.email and sam.name == sam.postcode == sam.phone == ""
    past = Rsvp.objects.get(pk=people["past"].pk)
    assert (past.first_name, past.phone) == ("(erased)", "")
    assert past.status == Rsvp.Status.GOING  # who came still counts
    assert Rsvp.objects.get(pk=people["upcoming"].pk).status == Rsvp.Status.CANCELLED
    assert Rsvp.objects.count() == 3
    donation = Donation.objects.get(pk=people["donation"].pk)
    assert (donation.name, donation.email) == ("Sam Smith", "sam@example.org")
    audit = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION)
    assert audit.rows == supporters_before and audit.actor_name == "system"


def test_a_second_run_erases_nothing_more(people):
    set_retention_date(days_from_today=-1)
    retention_erase_due()

    assert retention_erase_due() == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION).count() == 1


def test_admin_shows_what_retention_will_erase_before_the_date(people, admin_client):
    set_retention_date(days_from_today=30)

    page = admin_client.get(reverse("admin:volunteers_supporter_changelist")).content.decode()

    plan = retention_plan()
    assert plan.supporters == Supporter.objects.count() and not plan.is_due
    assert f"the <strong>{plan.supporters}</strong> supporters" in page
    assert plan.erase_after.strftime("%-d %B %Y") in page
    assert CampaignSettings.objects.get().volunteer_data_retained_until == plan.erase_after


def test_erasing_one_supporter_frees_their_place_for_the_next_person_waiting(people):
    from volunteers.services import supporter_erase

    supporter_erase(supporter=people["sam"])

    assert Rsvp.objects.get(pk=people["waiting"].pk).status == Rsvp.Status.GOING
    assert Rsvp.objects.get(pk=people["upcoming"].pk).first_name == "(erased)"
