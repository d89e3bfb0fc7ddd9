"""The spending ledger in admin: items proposed with their invoice (kept privately), changed,
deleted, all in the audit trail; and bad input refused with a clear message, nothing saved."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from campaign_site.core.models import AuditEvent
from donations.invoices import invoice_storage
from donations.models import Donor, SpendingItem
from tests.donations.spending_helpers import item, period, signed_in

pytestmark = pytest.mark.django_db

ADD = reverse("admin:donations_spendingitem_add")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="invoice.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png(width=400, height=600):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (250, 250, 240)).save(out, "PNG")
    return SimpleUploadedFile("receipt.png", out.getvalue(), content_type="image/png")


def form(**changes):
    data = {
        "supplier": "Derby Print Co",
        "description": "10,000 leaflets",
        "category": "unsolicited",
        "amount": "450",
        "incurred_on": "2026-06-01",
        "invoice_received_on": "",
        "paid_on": "",
        "paid_by": "",
        "paid_by_name": "",
        "donor": "",
        "notes": "",
        **changes,
    }
    return {key: value for key, value in data.items() if value is not None}


def errors_of(response) -> str:
    assert response.status_code == 200, "the form was accepted"
    form = response.context["adminform"].form
    return " ".join(message for messages in form.errors.values() for message in messages)


def stored_files(private_files_dir) -> list[Path]:
    return [path for path in Path(private_files_dir).rglob("*") if path.is_file()]


def test_an_item_is_proposed_with_its_invoice_kept_outside_public_media(
    client, private_files_dir, media_root
):
    period()
    agent = signed_in(client, "Agent")

    response = client.post(
        ADD, form(amount="1,250.50", invoice=pdf(), invoice_received_on="2026-06-03")
    )

    assert response.status_code == 302, errors_of(response)
    saved = SpendingItem.objects.get()
    assert (saved.amount_pence, saved.status, saved.proposed_by) == (125_050, "proposed", agent)
    kept = stored_files(private_files_dir)
    assert len(kept) == 1 and kept[0].suffix == ".pdf" and kept[0].read_bytes() == PDF
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]
    # Named afresh, not by the uploader; and no public URL at all.
    assert "invoice" not in kept[0].name
    with pytest.raises(ValueError):
        invoice_storage().url(saved.invoice.name)
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.actor_name) == ("spending_propose", "agent")
    assert audit.what == f"S{saved.pk}: Derby Print Co, 10,000 leaflets, £1,250.50"


def test_the_invoice_is_served_only_through_admin_to_those_who_may_see_the_ledger(client):
    from django.test import Client

    period()
    signed_in(client, "Agent")
    client.post(ADD, form(invoice=pdf()))
    saved = SpendingItem.objects.get()
    url = reverse("admin:donations_spendingitem_invoice", args=[saved.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="S{saved.pk}-invoice.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF
    change_page = client.get(reverse("admin:donations_spendingitem_change", args=[saved.pk]))
    assert url in change_page.content.decode()

    other = Client()
    signed_in(other, "Data manager")
    assert other.get(url).status_code == 403
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


def test_a_photo_of_a_receipt_is_accepted(client, private_files_dir):
    period()
    signed_in(client, "Agent")

    response = client.post(ADD, form(invoice=png()))

    assert response.status_code == 302, errors_of(response)
    assert [path.suffix for path in stored_files(private_files_dir)] == [".png"]


def test_the_agent_changes_an_item_and_the_trail_says_what_changed(client):
    period()
    signed_in(client, "Agent")
    client.post(ADD, form())
    saved = SpendingItem.objects.get()
    url = reverse("admin:donations_spendingitem_change", args=[saved.pk])

    response = client.post(url, form(amount="475", paid_on="2026-06-10", paid_by="agent"))

    assert response.status_code == 302, errors_of(response)
    saved.refresh_from_db()
    assert (saved.amount_pence, saved.paid_by) == (47_500, "agent")
    change = AuditEvent.objects.get(action="spending_change")
    assert "£475" in change.what and "paid_on" in change.what and "amount" in change.what


def test_the_agent_deletes_an_item_with_its_invoice(
    client, private_files_dir, django_capture_on_commit_callbacks
):
    period()
    signed_in(client, "Agent")
    client.post(ADD, form(invoice=pdf()))
    saved = SpendingItem.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:donations_spendingitem_delete", args=[saved.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert not SpendingItem.objects.exists()
    assert stored_files(private_files_dir) == []
    assert AuditEvent.objects.filter(action="spending_delete", what__startswith="S").count() == 1


def test_petty_cash_names_who_paid_and_notional_spending_names_its_donor(client):
    period()
    signed_in(client, "Agent")

    petty = client.post(ADD, form(amount="12", paid_on="2026-06-02", paid_by="petty"))
    assert "Enter the name of the person who paid this petty expense." in errors_of(petty)
    unpaid_by = client.post(ADD, form(paid_on="2026-06-02"))
    assert "Say who paid" in errors_of(unpaid_by)

    notional = client.post(ADD, form(notional="on", amount="300"))
    assert "Notional spending over £50 is a donation in kind" in errors_of(notional)
    donor = Donor.objects.create(email="printer@example.org")
    given = client.post(ADD, form(notional="on", amount="300", donor=str(donor.pk)))
    assert given.status_code == 302, errors_of(given)
    paid_notional = client.post(
        ADD,
        form(notional="on", amount="20", paid_on="2026-06-02", paid_by="agent"),
    )
    assert "Notional spending is given, not paid" in errors_of(paid_notional)

    ok = client.post(
        ADD, form(amount="12", paid_on="2026-06-02", paid_by="petty", paid_by_name="Jo Bloggs")
    )
    assert ok.status_code == 302, errors_of(ok)
    assert SpendingItem.objects.count() == 2


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"amount": "-12"}, "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ({"amount": "twelve"}, "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ({"amount": "12,50"}, "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ({"amount": "1e3"}, "Enter an amount in pounds, such as 13,000 or 13000.50."),
        ({"amount": "0"}, "Enter at least £0.01."),
        ({"amount": ""}, "This field is required."),
        ({"incurred_on": "2026-05-17"}, "This date is outside the regulated period"),
        ({"incurred_on": "2026-07-03"}, "This date is outside the regulated period"),
        ({"incurred_on": "31/06/2026"}, "Enter a valid date."),
        (
            {"invoice": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf")},
            "This file is not an invoice we can keep. Upload a PDF",
        ),
        (
            {"invoice": SimpleUploadedFile("invoice.txt", b"just some words\n")},
            "This file is not an invoice we can keep.",
        ),
        (
            {"invoice": pdf(data=PDF + b"0" * (10 * 1024 * 1024))},
            "the most we take is 10 MB",
        ),
        ({"invoice": png(width=50, height=50)}, "needs at least 200x200"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(
    client, private_files_dir, changes, message
):
    period()
    signed_in(client, "Agent")

    response = client.post(ADD, form(**changes))

    assert message in errors_of(response)
    assert not SpendingItem.objects.exists()
    assert stored_files(private_files_dir) == []
    assert not AuditEvent.objects.exists()


def test_no_item_can_be_dated_before_the_agent_sets_the_period(client):
    signed_in(client, "Agent")

    response = client.post(ADD, form())

    assert "The regulated period is not set yet" in errors_of(response)
    assert not SpendingItem.objects.exists()


def test_an_organiser_sees_an_item_read_only_with_its_invoice_link(client):
    period()
    saved = item()
    signed_in(client, "Organiser")

    page = client.get(reverse("admin:donations_spendingitem_change", args=[saved.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "£450" in text and 'name="supplier"' not in text


def test_the_item_page_shows_its_audit_trail_and_the_donor_s_gifts(client):
    from django.test import Client

    from donations.models import Donation

    period()
    donor = Donor.objects.create(email="printer@example.org")
    gift = Donation.objects.create(
        donor=donor,
        amount_pence=2_000,
        name="Pat Printer",
        email=donor.email,
        received_pence=2_000,
        first_received_at="2026-06-01T10:00Z",
        check_status=Donation.Check.NOT_NEEDED,
    )
    signed_in(client, "Organiser")
    client.post(ADD, form(notional="on", amount="300", donor=str(donor.pk)))
    saved = SpendingItem.objects.get()
    agent = Client()
    signed_in(agent, "Agent")
    agent.post(reverse("admin:donations_spendingitem_approve", args=[saved.pk]))

    page = agent.get(reverse("admin:donations_spendingitem_change", args=[saved.pk]))

    text = page.content.decode()
    assert "organiser: Spending item proposed" in text
    assert "agent: Spending item approved" in text
    assert f">D{gift.pk}</a>: £20 received" in text


def test_a_replaced_invoice_leaves_only_the_new_file(
    client, private_files_dir, django_capture_on_commit_callbacks
):
    period()
    signed_in(client, "Agent")
    client.post(ADD, form(invoice=pdf()))
    saved = SpendingItem.objects.get()
    [first] = stored_files(private_files_dir)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:donations_spendingitem_change", args=[saved.pk]),
            form(invoice=png()),
        )

    assert response.status_code == 302, errors_of(response)
    assert [path.suffix for path in stored_files(private_files_dir)] == [".png"]
    assert not first.exists()
