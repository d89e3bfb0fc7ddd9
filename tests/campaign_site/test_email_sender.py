"""Who the campaign's emails come from: set in campaign settings, the server's
DEFAULT_FROM_EMAIL where they are left empty, and the same name in calendar files."""

from email import message_from_bytes, policy

import pytest
from django.core import mail

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.selectors import campaign_sender, campaign_settings_get
from campaign_site.core.sending import outbox_send
from campaign_site.core.services import campaign_settings_update
from tests.events.helpers import strict_calendar
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


def sender_set(name: str, address: str) -> None:
    campaign = campaign_settings_get()
    campaign.email_from_name, campaign.email_from_address = name, address
    campaign_settings_update(campaign=campaign)


def send_one(template) -> OutboundEmail:
    email = outbox_enqueue(
        key="hello:1",
        to="sam@example.org",
        template=template,
        context={"name": "Sam"},
        person=None,
        about=None,
    )
    outbox_send(email_ids=[email.pk])
    return email


@pytest.fixture
def hello(test_email_templates, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return test_email_templates


def test_emails_come_from_the_sender_in_campaign_settings(hello):
    sender_set("Zoë Smith, for Derby North", "team@zoe.example.org")

    send_one(hello)

    [sent] = mail.outbox
    parsed = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
    assert parsed["From"].addresses[0].display_name == "Zoë Smith, for Derby North"
    assert parsed["From"].addresses[0].addr_spec == "team@zoe.example.org"


def test_left_empty_the_sender_is_the_servers_default(hello, settings):
    settings.DEFAULT_FROM_EMAIL = "Team Chris <hello@chris.example.org>"

    send_one(hello)

    assert mail.outbox[0].from_email == "Team Chris <hello@chris.example.org>"


def test_a_default_without_a_name_goes_out_under_the_campaigns_name(settings):
    settings.DEFAULT_FROM_EMAIL = "hello@chris.example.org"

    assert str(campaign_sender()) == "Chris Williamson for Derby North <hello@chris.example.org>"


def test_calendar_files_name_the_campaign_as_its_emails_do(client):
    from tests.events.factories import EventFactory

    session = EventFactory()
    sender_set("Team Chris", "team@chris.example.org")

    feed = strict_calendar(client.get("/events/calendar.ics").content)
    one = strict_calendar(client.get(f"/events/{session.slug}/calendar.ics").content)

    assert feed.events[0].organizer.common_name == "Team Chris"
    assert one.events[0].organizer.common_name == "Team Chris"
    assert (
        "X-WR-CALNAME:Canvassing and phonebanks: Team Chris"
        in client.get("/events/calendar.ics").content.decode()
    )


def test_the_go_live_list_shows_a_demo_sender_until_it_is_set(admin_client, settings):
    settings.DEFAULT_FROM_EMAIL = "campaign@localhost"

    page = admin_client.get("/admin/").content.decode()
    assert (
        "Emails are sent from Chris Williamson for Derby North &lt;campaign@localhost&gt;" in page
    )

    sender_set("Team Chris", "team@chris.example.org")
    assert "Emails are sent from" not in admin_client.get("/admin/").content.decode()


def test_organisers_set_the_sender_in_campaign_settings(client, settings):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    settings.DEFAULT_FROM_EMAIL = "Team <hello@chris.example.org>"
    organiser = get_user_model().objects.create_user(username="jo", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    sign_in_with_two_factor(client, organiser)
    campaign_settings_get()  # the row, should an earlier test have flushed the tables

    page = client.get("/admin/campaign_site/campaignsettings/1/change/").content.decode()

    assert "Sender&#x27;s name" in page or "Sender's name" in page
    assert 'placeholder="Team"' in page and 'placeholder="hello@chris.example.org"' in page
    assert "Left empty: hello@chris.example.org." in page
