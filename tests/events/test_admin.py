"""Organisers in admin: counts, sign-ups inline, actions and the CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign_site.core.models import AuditEvent, OutboundEmail
from events.models import Event, Rsvp
from tests.events.factories import EventFactory, RsvpFactory, SupporterFactory
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/events/event/"


def action(client, name, events, **extra):
    data = {"action": name, "_selected_action": [event.pk for event in events], **extra}
    return client.post(CHANGELIST, data)


def change_form_data(event, rsvps=(), **changes):
    start = timezone.localtime(changes.pop("starts_at", event.starts_at))
    end = timezone.localtime(changes.pop("ends_at", event.ends_at))
    data = {
        "kind": event.kind,
        "title": event.title,
        "slug": event.slug,
        "starts_at_0": start.strftime("%d/%m/%Y"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%d/%m/%Y"),
        "ends_at_1": end.strftime("%H:%M:%S"),
        "capacity": event.capacity or "",
        "description": event.description,
        "what_to_bring": event.what_to_bring,
        "accessibility": event.accessibility,
        "format": event.format,
        "public_area": event.public_area,
        "place_name": event.place_name,
        "address": event.address,
        "postcode": event.postcode,
        "online_link": event.online_link,
        "contact_name": event.contact_name,
        "contact_phone": event.contact_phone,
        "contact_email": event.contact_email,
        "rsvps-TOTAL_FORMS": len(rsvps),
        "rsvps-INITIAL_FORMS": len(rsvps),
        "rsvps-MIN_NUM_FORMS": 0,
        "rsvps-MAX_NUM_FORMS": 1000,
    }
    for index, rsvp in enumerate(rsvps):
        data[f"rsvps-{index}-id"] = rsvp.pk
        data[f"rsvps-{index}-event"] = event.pk
        data[f"rsvps-{index}-attended"] = "unknown"
    data.update(changes)
    return data


def test_the_list_shows_counts_without_a_query_per_row(admin_client):
    def list_queries():
        admin_client.get(CHANGELIST)  # warm caches (content types, settings)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    event = EventFactory(capacity=4, title="Counted canvass")
    RsvpFactory.create_batch(3, event=event)
    RsvpFactory(event=event, status=Rsvp.Status.WAITING, going_since=None)
    few, page = list_queries()
    assert '<td class="field-going">3</td>' in page
    assert '<td class="field-waiting">1</td>' in page
    assert '<td class="field-capacity">4</td>' in page

    for _ in range(30):
        RsvpFactory.create_batch(2, event=EventFactory())
    many, _ = list_queries()
    assert few == many


def test_the_list_has_date_navigation_and_filters(admin_client):
    EventFactory(kind="phonebank", phonebank=True, title="Phones")
    EventFactory(title="Doors")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "starts_at__year=" in page or "starts_at__month=" in page
    filtered = admin_client.get(CHANGELIST + "?kind__exact=phonebank&status__exact=published")
    assert "Phones" in filtered.content.decode() and "Doors" not in filtered.content.decode()


def test_the_change_page_lists_sign_ups_and_marks_attendance(admin_client, canvass):
    rsvps = [
        RsvpFactory(event=canvass, supporter__email="one@example.org"),
        RsvpFactory(event=canvass, status=Rsvp.Status.WAITING, going_since=None),
    ]
    url = f"/admin/events/event/{canvass.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "one@example.org" in page and "Waiting list" in page

    data = change_form_data(canvass, rsvps, **{"rsvps-0-attended": "true"})
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    rsvps[0].refresh_from_db()
    assert rsvps[0].attended is True
    assert not OutboundEmail.objects.exists()  # nothing that matters to volunteers changed


def test_moving_the_time_in_admin_sends_the_change_notice(admin_client, canvass):
    rsvp = RsvpFactory(event=canvass)
    later = canvass.starts_at + timedelta(hours=1)
    data = change_form_data(
        canvass, [rsvp], starts_at=later, ends_at=canvass.ends_at + timedelta(hours=1)
    )

    response = admin_client.post(f"/admin/events/event/{canvass.pk}/change/", data)

    assert response.status_code == 302
    canvass.refresh_from_db()
    assert canvass.starts_at == later and canvass.sequence == 1
    assert OutboundEmail.objects.get().key.startswith(f"event-changed:{canvass.pk}:1:")


def test_adding_a_session_makes_a_draft(admin_client, canvass):
    data = change_form_data(canvass, title="Canvassing in Oakwood", slug="")
    response = admin_client.post("/admin/events/event/add/", data)
    assert response.status_code == 302
    new = Event.objects.get(title="Canvassing in Oakwood")
    assert new.status == Event.Status.DRAFT and new.slug.startswith("canvassing-in-oakwood-")


@pytest.mark.parametrize(
    ("button", "lands_on"),
    [("_save", CHANGELIST), ("_continue", "change/"), ("_addanother", "/admin/events/event/add/")],
)
def test_a_new_session_is_saved_as_a_draft_with_a_publish_button(
    admin_client, canvass, button, lands_on
):
    data = change_form_data(canvass, title="Canvassing in Oakwood", slug="", **{button: "Save"})

    response = admin_client.post("/admin/events/event/add/", data, follow=True)

    new = Event.objects.get(title="Canvassing in Oakwood")
    assert response.redirect_chain[-1][0].endswith(lands_on)
    assert messages_after(response) == [
        "Saved as a draft. Publish it to put it on the calendar. "
        f'<a class="button campaign-message-action" href="/admin/events/event/{new.pk}/publish/">'
        "Publish</a>"
    ]
    page = response.content.decode()
    assert "added successfully" not in page
    assert f'href="/admin/events/event/{new.pk}/publish/">Publish</a>' in page  # not escaped
    confirm = admin_client.get(f"/admin/events/event/{new.pk}/publish/")
    assert "Publishing puts this session on the public calendar" in confirm.content.decode()


def test_publish_duplicate_and_repeat_weekly(admin_client, django_capture_on_commit_callbacks):
    draft = EventFactory(status="draft", title="Weekly phonebank", phonebank=True)

    SupporterFactory(wants_phonebank_alerts=True, confirmed_at=timezone.now())
    SupporterFactory(wants_canvass_alerts=True, confirmed_at=timezone.now())  # not this kind
    confirm = action(admin_client, "publish", [draft]).content.decode()
    assert "1 supporter will get one email each" in confirm
    assert "The new-session alert email goes out " in confirm
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT  # nothing happens before the confirmation
    with django_capture_on_commit_callbacks():
        action(admin_client, "publish", [draft], apply="Publish sessions")
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED

    action(admin_client, "duplicate", [draft])
    assert Event.objects.filter(title="Weekly phonebank", status="draft").count() == 1

    form = action(admin_client, "repeat_weekly", [draft])
    assert "Repeat for how many weeks?" in form.content.decode()
    action(admin_client, "repeat_weekly", [draft], weeks=3, apply="Repeat weekly")
    starts = sorted(
        Event.objects.filter(title="Weekly phonebank", status="draft").values_list(
            "starts_at", flat=True
        )
    )
    assert len(starts) == 4
    assert starts[-1].astimezone(draft.starts_at.tzinfo).date() == (
        timezone.localtime(draft.starts_at).date() + timedelta(weeks=3)
    )


def test_cancel_with_a_notice(admin_client, canvass):
    RsvpFactory(event=canvass)

    form = action(admin_client, "cancel_with_notice", [canvass])
    assert "Message to the people coming" in form.content.decode()
    assert Event.objects.get().status == Event.Status.PUBLISHED

    action(admin_client, "cancel_with_notice", [canvass], message="Sorry!", apply="Cancel")

    assert Event.objects.get().status == Event.Status.CANCELLED
    notice = OutboundEmail.objects.get()
    assert notice.key.startswith("event-cancelled:") and "Sorry!" in notice.body_text


def test_email_the_people_going(admin_client, canvass):
    RsvpFactory.create_batch(2, event=canvass)
    RsvpFactory(event=canvass, status=Rsvp.Status.CANCELLED)
    form = action(admin_client, "message_people_going", [canvass])
    assert "Each of the 2 people going gets their own email" in form.content.decode()

    action(
        admin_client,
        "message_people_going",
        [canvass],
        subject="Meet at the gate",
        message="The car park is shut, so meet at the gate.",
        apply="Email",
    )

    assert OutboundEmail.objects.filter(key__startswith="event-message:").count() == 2
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor_name) == ("bulk_email", 2, "admin")


def messages_after(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_counts_in_messages_and_confirmations_read_as_words(admin_client, canvass):
    RsvpFactory(event=canvass)
    one_going = action(admin_client, "message_people_going", [canvass]).content.decode()
    assert "The 1 person going gets the email, with the session" in one_going

    emailed = admin_client.post(
        CHANGELIST,
        {
            "action": "message_people_going",
            "_selected_action": [canvass.pk],
            "subject": "Hello",
            "message": "See you there.",
            "apply": "Email",
        },
        follow=True,
    )
    copied = admin_client.post(
        CHANGELIST, {"action": "duplicate", "_selected_action": [canvass.pk]}, follow=True
    )
    draft = Event.objects.get(status=Event.Status.DRAFT)
    nobody = action(admin_client, "message_people_going", [draft]).content.decode()
    cancelled = admin_client.post(
        CHANGELIST,
        {"action": "cancel_with_notice", "_selected_action": [canvass.pk], "apply": "Cancel"},
        follow=True,
    )

    assert messages_after(emailed) == ["Emailed 1 person."]
    assert messages_after(copied) == ["Made 1 draft copy."]
    assert "Nobody is going yet, so this email would reach nobody." in nobody
    assert messages_after(cancelled) == ["Cancelled 1 session."]


def test_csv_export_needs_the_permission(client, canvass):
    RsvpFactory(event=canvass, first_name="=HYPERLINK()", supporter__email="csv@example.org")
    organiser = get_user_model().objects.create_user("organiser", password="x", is_staff=True)
    organiser.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_event", "change_event"])
    )
    sign_in_with_two_factor(client, organiser)

    page = client.get(CHANGELIST).content.decode()
    assert "export_rsvps_csv" not in page
    refused = action(client, "export_rsvps_csv", [canvass])
    assert refused.get("Content-Type", "").startswith("text/html")
    refused_audits = AuditEvent.objects.count()

    organiser.user_permissions.add(Permission.objects.get(codename="export_rsvps"))
    organiser = get_user_model().objects.get(pk=organiser.pk)
    response = action(client, "export_rsvps_csv", [canvass])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["session", "starts", "first name", "email", "phone"]
    assert rows[1][2:4] == ["'=HYPERLINK()", "csv@example.org"]
    assert rows[1][5] == "going"
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor_name) == ("export", 1, "organiser")
    assert refused_audits == 0


def test_the_session_form_hides_the_calendar_sequence(admin_client, canvass):
    page = admin_client.get(f"/admin/events/event/{canvass.pk}/change/").content.decode()

    assert "Sequence" not in page and "SEQUENCE" not in page
    assert "Published at" in page  # the rest of the record is still there
