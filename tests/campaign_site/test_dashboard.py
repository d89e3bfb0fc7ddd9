from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from donations.models import Donation, Donor, Payment
from tests.events.factories import EventFactory, RsvpFactory
from tests.support.admin import sign_in_with_two_factor
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign_activity():
    now = timezone.now()
    for n in range(3):
        Supporter.objects.create(email=f"new{n}@example.org", confirmed_at=now)
    Supporter.objects.create(email="old@example.org", created_at=now - timedelta(days=40))
    soon = EventFactory(
        title="Canvassing in Oakwood",
        capacity=10,
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
    )
    RsvpFactory.create_batch(4, event=soon)
    EventFactory(
        title="Far away session",
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=20, hours=2),
    )
    donor = Donor.objects.create(email="d@example.org")
    donation = Donation.objects.create(
        donor=donor,
        amount_pence=2_500,
        name="Dee",
        email="d@example.org",
        status=Donation.Status.RECEIVED,
        received_pence=2_500,
    )
    Payment.objects.create(
        donation=donation, stripe_key="pi_1", amount_pence=2_500, received_at=now
    )


def dashboard(client):
    return client.get("/admin/").content.decode()


def test_the_admin_home_shows_how_the_campaign_is_doing(admin_client, campaign_activity):
    page = dashboard(admin_client)

    assert "<strong>3</strong> confirmed supporters" in page
    # 3 joined the list and 4 signed up for a session this month; 1 joined long ago.
    assert "New supporters per day over the last 30 days: 7 in all" in page
    assert page.count("<rect ") == 30
    assert "Canvassing in Oakwood" in page and "4 / 10" in page
    assert "Far away session" not in page
    assert "<strong>£25</strong> raised of £13,000 from 1 donor" in page
    assert "No gifts are waiting for checks." in page


def test_each_role_sees_only_its_panels(client, campaign_activity):
    agent = get_user_model().objects.create_user(username="agent", password="x", is_staff=True)
    agent.groups.add(Group.objects.get(name="Agent"))
    sign_in_with_two_factor(client, agent)

    page = dashboard(client)

    assert "raised of £13,000" in page
    assert "confirmed supporters" not in page and "Sessions in the next 7 days" not in page


def test_the_dashboard_costs_the_same_queries_however_much_data(admin_client, campaign_activity):
    dashboard(admin_client)
    with CaptureQueriesContext(connection) as few:
        dashboard(admin_client)
    for n in range(30):
        Supporter.objects.create(email=f"more{n}@example.org", confirmed_at=timezone.now())
    RsvpFactory.create_batch(
        5,
        event=EventFactory(
            starts_at=timezone.now() + timedelta(days=1),
            ends_at=timezone.now() + timedelta(days=1, hours=1),
        ),
    )

    with CaptureQueriesContext(connection) as many:
        dashboard(admin_client)

    assert len(many) == len(few)


def test_the_admin_home_lists_what_to_do_before_going_live(admin_client, settings):
    settings.EMAIL_HOST = ""
    settings.STRIPE_SECRET_KEY = ""

    page = dashboard(admin_client)

    assert "Before you go live" in page
    assert "The imprint still holds the demo wording" in page
    assert "Emails are written to files on the server" in page
    assert "Donations are off until the Stripe keys are set" in page


def test_nothing_is_listed_once_everything_is_set(admin_client, settings):
    from campaign_site.core.selectors import campaign_settings_get
    from campaign_site.core.services import campaign_settings_update
    from campaign_site.core.sweeps import beat_heartbeat_record

    settings.EMAIL_HOST, settings.DEFAULT_FROM_EMAIL = "smtp.example.org", "team@example.org"
    settings.STRIPE_SECRET_KEY, settings.SITE_IS_HTTPS = "sk_live_x", True
    settings.SINGLE_PROCESS = settings.DEBUG = False  # `make test` on SQLite runs as a demo
    campaign = campaign_settings_get()
    campaign.promoter_name, campaign.promoter_address = "A. Agent", "1 High Street, Derby DE1 1AA"
    campaign.contact_email = "team@example.org"
    campaign.volunteer_data_retained_until = timezone.localdate() + timedelta(days=60)
    campaign_settings_update(campaign=campaign)
    beat_heartbeat_record()  # beat runs

    page = dashboard(admin_client)
    assert "Before you go live" not in page and "Scheduled jobs have stopped" not in page


def test_every_member_of_staff_is_told_the_site_runs_as_a_one_process_demo(client, settings):
    settings.SINGLE_PROCESS = True

    page = dashboard(staff_with(client, "view_event"))

    assert "Before you go live" in page
    assert "This is a one-process demo (SINGLE_PROCESS)" in page
    assert "The imprint still holds" not in page  # campaign settings: for those who edit them


def staff_with(client, *codenames, username="someone"):
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user(username=username, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return sign_in_with_two_factor(client, user)


def test_a_panel_links_only_to_pages_its_reader_may_open(client):
    staff_with(client, "view_event", "view_update", "view_donation")

    page = dashboard(client)

    assert "/admin/events/event/add/" not in page
    assert "/admin/volunteers/supporter/" not in page
    assert "/admin/volunteers/update/" in page
    assert "/admin/donations/donationtocheck/" not in page
    assert "Updates to the list" in page and "No gifts are waiting for checks." in page


def test_the_gifts_to_check_link_shows_with_the_permission_to_open_the_queue(client):
    donor = Donor.objects.create(email="d@example.org")
    Donation.objects.create(
        donor=donor,
        amount_pence=2_000,
        name="Dee",
        email="d@example.org",
        status=Donation.Status.RECEIVED,
        first_received_at=timezone.now(),
        check_status=Donation.Check.TO_CHECK,
    )
    staff_with(client, "view_donation")
    without = dashboard(client)
    staff_with(client, "view_donation", "view_donationtocheck", username="agent")

    with_permission = dashboard(client)

    assert "<strong>1</strong> gift over £50 waiting for checks" in without
    assert "/admin/donations/donationtocheck/" not in without
    assert '<a href="/admin/donations/donationtocheck/"><strong>1</strong> gift' in with_permission


def test_an_empty_week_offers_to_add_a_session_only_to_those_who_may(client):
    staff_with(client, "view_event", "add_event")
    can_add = dashboard(client)
    staff_with(client, "view_event", username="viewer")

    cannot = dashboard(client)

    assert "No sessions in the next 7 days. " in can_add and "/admin/events/event/add/" in can_add
    assert "No sessions in the next 7 days." in cannot and "/admin/events/event/add/" not in cannot


def test_one_supporter_is_one_supporter(admin_client):
    Supporter.objects.create(email="only@example.org", confirmed_at=timezone.now())

    assert "<strong>1</strong> confirmed supporter on the list" in dashboard(admin_client)


def test_superusers_see_what_email_is_failing_and_why(admin_client, django_user_model):
    from campaign_site.core.models import OutboundEmail

    def row(key, **fields):
        return OutboundEmail.objects.create(
            key=key, to="x@example.org", subject="s", body_text="t", body_html="h", **fields
        )

    row("rsvp-confirm:1", status="queued", tries=3, last_error="SMTPDataError: 451 try later")
    row(
        "update:1:2",
        status="failed",
        tries=40,
        last_error="SMTPDataError: 451 still refusing",
        sending_started_at=timezone.now(),
    )
    row(
        "signup-confirm:3", status="sending", sending_started_at=timezone.now() - timedelta(hours=1)
    )
    row("update:1:3", status="sent")

    page = admin_client.get("/admin/").content.decode()

    assert "Email delivery: 3 emails failing" in page
    assert "1 not sent at the last try" in page and "1 given up" in page
    assert "1 left by a worker that stopped" in page
    assert "(update email): <code>SMTPDataError: 451 still refusing</code>" in page

    organiser = django_user_model.objects.create_user("jo", "jo@example.org", "pw", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    page = sign_in_with_two_factor(admin_client, organiser).get("/admin/").content.decode()
    assert "Email delivery" not in page  # the outbox is for superusers only
