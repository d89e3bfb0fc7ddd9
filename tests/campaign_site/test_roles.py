"""The permission matrix: each role against each admin page and export."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from donations.models import Donation, Donor
from tests.events.factories import EventFactory, RsvpFactory
from tests.support.admin import sign_in_with_two_factor
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db

ROLES = ["Organiser", "Agent", "Data manager"]

# page -> roles that may open it (a superuser may open all of them)
PAGES = {
    "campaign_site_campaignsettings": {"Organiser"},
    "campaign_site_sourcecode": {"Organiser", "Agent"},
    "campaign_site_outboundemail": set(),
    "campaign_site_auditevent": set(),
    "campaign_site_user": set(),
    "auth_group": set(),
    "otp_totp_totpdevice": set(),
    "volunteers_supporter": {"Data manager"},
    "volunteers_update": {"Organiser"},
    "events_event": {"Organiser", "Data manager"},
    "donations_donation": {"Agent"},
    "donations_donationtocheck": {"Agent"},
    "donations_donor": {"Agent"},
    "donations_donationsettings": {"Agent"},
    "donations_spendingitem": {"Organiser", "Agent"},
    "donations_spendingsettings": {"Agent"},
}

# export action -> (changelist, action name, roles allowed)
EXPORTS = {
    "supporters CSV": ("volunteers_supporter", "export_csv", {"Data manager"}),
    "sign-ups CSV": ("events_event", "export_rsvps_csv", {"Data manager"}),
    "spending return CSV": ("donations_donation", "export_spending_return", {"Agent"}),
}


def staff_in(client, role):
    user = get_user_model().objects.create_user(
        username=role.lower().replace(" ", "-"), password="x", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return sign_in_with_two_factor(client, user)


@pytest.fixture
def records():
    supporter = Supporter.objects.create(email="sam@example.org", name="Sam")
    event = EventFactory()
    RsvpFactory(event=event)
    donor = Donor.objects.create(email="donor@example.org")
    donation = Donation.objects.create(
        donor=donor, amount_pence=2_000, name="Dee Donor", email="donor@example.org"
    )
    return {
        "volunteers_supporter": supporter,
        "events_event": event,
        "donations_donation": donation,
    }


def test_the_three_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_its_own_part_of_admin(client, role):
    staff_in(client, role)

    assert client.get(reverse("admin:index")).status_code == 200
    for page, allowed in PAGES.items():
        status = client.get(reverse(f"admin:{page}_changelist"), follow=True).status_code
        assert status == (200 if role in allowed else 403), (role, page, status)


@pytest.mark.parametrize("role", ROLES)
def test_exports_of_personal_data_need_their_own_permission(client, role, records):
    staff_in(client, role)

    for name, (page, action, allowed) in EXPORTS.items():
        response = client.post(
            reverse(f"admin:{page}_changelist"),
            {"action": action, "_selected_action": [records[page].pk]},
        )
        is_csv = response.headers.get("Content-Type", "").startswith("text/csv")
        assert is_csv == (role in allowed), (role, name, response.status_code)


def test_only_a_superuser_manages_accounts(admin_client):
    for page in [
        "campaign_site_user",
        "auth_group",
        "otp_totp_totpdevice",
        "campaign_site_auditevent",
    ]:
        assert admin_client.get(reverse(f"admin:{page}_changelist")).status_code == 200


def test_roles_cannot_give_themselves_more(client):
    staff_in(client, "Organiser")
    user = get_user_model().objects.get(username="organiser")

    response = client.post(
        reverse("admin:campaign_site_user_change", args=[user.pk]),
        {"username": "organiser", "is_superuser": "on", "is_staff": "on"},
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


@pytest.mark.parametrize(
    "action,extra",
    [
        ("publish", {"apply": "Publish sessions"}),
        ("cancel_with_notice", {"apply": "Cancel", "message": "Rain"}),
        ("message_people_going", {"apply": "Email", "subject": "Hi", "message": "Hello"}),
        ("duplicate", {}),
        ("repeat_weekly", {"apply": "Repeat", "weeks": "2"}),
    ],
)
def test_only_organisers_act_on_sessions(client, action, extra):
    from campaign_site.core.models import OutboundEmail
    from events.models import Event

    draft = EventFactory(status=Event.Status.DRAFT)
    published = EventFactory()
    RsvpFactory(event=published)
    staff_in(client, "Data manager")

    client.post(
        reverse("admin:events_event_changelist"),
        {"action": action, "_selected_action": [draft.pk, published.pk], **extra},
    )

    assert Event.objects.count() == 2
    assert set(Event.objects.values_list("status", flat=True)) == {"draft", "published"}
    assert not OutboundEmail.objects.exists()


def test_cancelling_and_alerts_are_audited_as_bulk_email(admin_client):
    from campaign_site.core.models import AuditEvent
    from tests.events.helpers import announce

    published = EventFactory()
    RsvpFactory.create_batch(2, event=published)
    admin_client.post(
        reverse("admin:events_event_changelist"),
        {
            "action": "cancel_with_notice",
            "_selected_action": [published.pk],
            "apply": "Cancel",
            "message": "Rain",
        },
    )
    Supporter.objects.create(
        email="alert@example.org", wants_canvass_alerts=True, confirmed_at=published.starts_at
    )
    announce(EventFactory())

    audits = {audit.what: audit for audit in AuditEvent.objects.all()}
    cancel = next(a for what, a in audits.items() if what.startswith("Cancellation notice"))
    alert = next(a for what, a in audits.items() if what.startswith("New-session alerts"))
    assert (cancel.actor_name, cancel.rows) == ("admin", 2)
    assert (alert.actor_name, alert.rows) == ("system", 1)


def test_only_a_superuser_sets_the_retention_date(admin_client):
    from django.test import Client

    from campaign_site.core.models import CampaignSettings

    client = staff_in(Client(), "Organiser")
    url = reverse("admin:campaign_site_campaignsettings_change", args=[1])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}

    organiser_form = client.get(url).context["adminform"].form
    assert "volunteer_data_retained_until" not in organiser_form.fields
    client.post(url, {**data, "volunteer_data_retained_until": "2026-01-01"})
    assert CampaignSettings.objects.get().volunteer_data_retained_until is None

    past = admin_client.post(url, {**data, "volunteer_data_retained_until": "2026-01-01"})
    assert "Choose a date after today" in past.content.decode()
    assert CampaignSettings.objects.get().volunteer_data_retained_until is None
