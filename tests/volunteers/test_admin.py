"""Organisers' admin: supporters (search, filters, counts, CSV) and updates to the list."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign_site.core.csv_cells import csv_safe_cell as neutralise_cell
from campaign_site.core.models import AuditEvent
from tests.support.admin import sign_in_with_two_factor
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Supporter, Update

pytestmark = pytest.mark.django_db

SUPPORTERS = "/admin/volunteers/supporter/"
UPDATES = "/admin/volunteers/update/"


def staff(django_user_model, username, *perms):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", "pw", is_staff=True
    )
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.fixture
def organiser(django_user_model):
    return staff(
        django_user_model,
        "organiser",
        "view_supporter",
        "view_update",
        "add_update",
        "change_update",
        "send_update",
    )


@pytest.fixture
def data_manager(django_user_model):
    return staff(django_user_model, "data", "view_supporter", "export_supporters")


def export(client, supporters):
    return client.post(
        SUPPORTERS,
        {"action": "export_csv", "_selected_action": [s.pk for s in supporters]},
    )


def test_supporter_list_searches_filters_and_counts(client, organiser):
    SupporterFactory(email="kim@example.org", postcode="DE22 1AA", wants_canvass_alerts=True)
    SupporterFactory(email="lee@example.org", confirmed_at=None)
    sign_in_with_two_factor(client, organiser)

    page = client.get(SUPPORTERS).content.decode()
    assert "<strong>1</strong> confirmed" in page
    assert "1 not confirmed" in page
    assert "kim@example.org" in client.get(SUPPORTERS, {"q": "de22"}).content.decode()
    assert "lee@" not in client.get(SUPPORTERS, {"q": "de22"}).content.decode()
    pending = client.get(SUPPORTERS, {"list_status": "pending"}).content.decode()
    assert "lee@example.org" in pending and "kim@example.org" not in pending
    canvass = client.get(SUPPORTERS, {"wants_canvass_alerts__exact": "1"}).content.decode()
    assert "kim@example.org" in canvass and "lee@example.org" not in canvass


def test_supporter_list_queries_do_not_grow_with_rows(client, organiser):
    sign_in_with_two_factor(client, organiser)

    client.get(SUPPORTERS)  # warm caches (campaign settings, session)

    def queries(count):
        SupporterFactory.create_batch(count)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SUPPORTERS).status_code == 200
        return len(captured)

    assert queries(2) == queries(40)


def test_csv_export_needs_its_own_permission(client, organiser):
    supporter = SupporterFactory()
    sign_in_with_two_factor(client, organiser)

    page = client.get(SUPPORTERS).content.decode()
    response = export(client, [supporter])

    assert 'value="export_csv"' not in page
    assert response.get("Content-Type", "").startswith("text/html")  # not a CSV
    assert "supporter0" not in response.content.decode().split("<main")[-1][:0]


def test_csv_export_neutralises_cells_a_spreadsheet_would_run(client, data_manager):
    hostile = SupporterFactory(
        email="kim@example.org",
        name='=HYPERLINK("http://evil.example","click")',
        postcode="",
        phone="+447700900123",
    )
    others = [SupporterFactory(name="-2+3"), SupporterFactory(name="@SUM(A1)")]
    erased = SupporterFactory(erased_at=timezone.now(), email="erased-x@erased.invalid")
    sign_in_with_two_factor(client, data_manager)

    response = export(client, [hostile, *others, erased])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["Email", "Name", "Postcode", "Phone"]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["kim@example.org"][1] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_email["kim@example.org"][3] == "'+447700900123"
    assert {row[1] for row in rows[1:]} >= {"'-2+3", "'@SUM(A1)"}
    assert "erased-x@erased.invalid" not in by_email
    assert len(rows) == 4
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor) == ("export", 3, data_manager)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("Sam", "Sam"),
        ("", ""),
        (None, ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_an_organiser_drafts_previews_tests_then_sends_after_confirming(client, organiser):
    SupporterFactory.create_batch(3)
    SupporterFactory(wants_updates=False, wants_phonebank_alerts=True)
    sign_in_with_two_factor(client, organiser)

    response = client.post(
        UPDATES + "add/",
        {"subject": "Costs ruling", "body": "We won. **Thank you.**", "audience": "updates"},
    )
    assert response.status_code == 302
    update = Update.objects.get()
    assert update.created_by == organiser
    change = client.get(f"{UPDATES}{update.pk}/change/").content.decode()
    assert "<strong>Thank you.</strong>" in change  # the preview
    assert "Send to 3 supporters" in change

    client.post(f"{UPDATES}{update.pk}/test/")
    from campaign_site.core.models import OutboundEmail

    assert OutboundEmail.objects.get().to == "organiser@example.org"

    confirm = client.get(f"{UPDATES}{update.pk}/send/").content.decode()
    assert "to <strong>3</strong> supporters" in confirm
    assert Update.objects.get().status == Update.Status.DRAFT  # nothing sent by looking

    client.post(f"{UPDATES}{update.pk}/send/")
    assert Update.objects.get().status == Update.Status.SENDING
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor) == ("bulk_email", 3, organiser)
    again = client.post(f"{UPDATES}{update.pk}/send/", follow=True).content.decode()
    assert "already been sent" in again


def test_sending_needs_the_send_permission(client, django_user_model):
    SupporterFactory()
    writer = staff(django_user_model, "writer", "view_update", "add_update", "change_update")
    update = Update.objects.create(subject="Hi", body="Hello")
    sign_in_with_two_factor(client, writer)

    assert "Send to 1 supporter" not in client.get(f"{UPDATES}{update.pk}/change/").content.decode()
    assert client.post(f"{UPDATES}{update.pk}/send/").status_code == 403
    assert Update.objects.get().status == Update.Status.DRAFT


def test_update_list_shows_counts_without_a_query_per_row(client, organiser):
    from campaign_site.core.models import OutboundEmail
    from campaign_site.core.outbox import outbox_links

    sign_in_with_two_factor(client, organiser)
    client.get(UPDATES)  # warm caches (campaign settings, session)

    def queries(count):
        for _ in range(count):
            update = Update.objects.create(subject="Hi", body="Hello", status="sent")
            for number, status in enumerate(["queued", "sent", "sent", "failed"]):
                OutboundEmail.objects.create(
                    key=f"update:{update.pk}:{number}",
                    to="x@example.org",
                    subject="s",
                    body_text="t",
                    body_html="h",
                    status=status,
                    is_bulk=True,
                    **outbox_links(about=update),
                )
        with CaptureQueriesContext(connection) as captured:
            response = client.get(UPDATES)
        assert response.status_code == 200
        return len(captured), response.context["cl"].result_list

    few, _ = queries(1)
    many, rows = queries(10)
    assert few == many
    assert {(u.queued_count, u.sent_count, u.failed_count) for u in rows} == {(1, 2, 1)}


def test_erase_action_erases(client, django_user_model):
    manager = staff(django_user_model, "dm", "view_supporter", "delete_supporter")
    supporter = SupporterFactory(email="kim@example.org")
    sign_in_with_two_factor(client, manager)

    confirm = client.post(SUPPORTERS, {"action": "erase", "_selected_action": [supporter.pk]})
    assert "This cannot be undone" in confirm.content.decode()
    assert Supporter.objects.get().erased_at is None  # nothing happens before the confirmation
    data = {"action": "erase", "_selected_action": [supporter.pk], "apply": "Yes"}
    client.post(SUPPORTERS, data)

    assert Supporter.objects.get().erased_at is not None
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor) == ("erasure", 1, manager)


def test_counts_on_the_supporter_list_and_its_messages_read_as_words(client, django_user_model):
    manager = staff(
        django_user_model, "dm", "view_supporter", "change_supporter", "delete_supporter"
    )
    supporter = SupporterFactory(email="kim@example.org", wants_updates=True)
    sign_in_with_two_factor(client, manager)

    page = client.get(SUPPORTERS).content.decode()
    unsubscribed = client.post(
        SUPPORTERS, {"action": "unsubscribe", "_selected_action": [supporter.pk]}, follow=True
    )
    erased = client.post(
        SUPPORTERS,
        {"action": "erase", "_selected_action": [supporter.pk], "apply": "Yes"},
        follow=True,
    )

    assert "(1 wants updates," in page and "1 supporter in all." in page
    assert [str(m) for m in unsubscribed.context["messages"]] == ["Unsubscribed 1 supporter."]
    assert [str(m) for m in erased.context["messages"]] == [
        "Erased the personal data of 1 supporter."
    ]
