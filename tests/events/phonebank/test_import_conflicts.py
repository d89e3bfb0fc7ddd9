"""A number in an import that is already on file for someone else is never merged into
that person's record: the check page shows a conflict and the organiser chooses."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from events.phonebank.models import CallAssignment, Contact, ContactConsent, ContactImport
from events.phonebank.services import (
    call_list_add_supporters,
    call_list_create,
    contact_claim_next,
)
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory
from tests.support.admin import sign_in_with_two_factor
from volunteers.models import Consent, Supporter

pytestmark = pytest.mark.django_db

FILE = (
    b"name,phone,postcode,consent\n"
    b'Alice Adams,07700 900001,DE22 3AA,"street stall, 28 Nov 2025"\n'  # 2: Brian's number
    b'Cara Cole,07700 900002,DE22 3AA,"street stall, 28 Nov 2025"\n'  # 3: new
    b'Dan Dale,07700 900003,DE22 3AA,"street stall, 28 Nov 2025"\n'  # 4: new
    b'Eve Egan,07700 900004,DE22 3AA,"street stall, 28 Nov 2025"\n'  # 5: new
    b'  pat   EXAMPLE ,07700 900005,DE22 3AA,"street stall, 28 Nov 2025"\n'  # 6: same person
)


@pytest.fixture
def organiser(django_user_model, client):
    user = django_user_model.objects.create_user("organiser", is_staff=True)
    user.groups.add(Group.objects.get(name="Organiser"))
    return sign_in_with_two_factor(client, user)


@pytest.fixture
def on_file(now):
    """Brian has 07700 900001, on another list; Pat (the same Pat as the file's) 900005."""
    brian = ContactFactory(
        first_name="Brian", surname="Brown", phone="+447700900001", consent_where="doorstep"
    )
    elsewhere = AssignmentFactory(contact=brian)
    pat = ContactFactory(first_name="Pat", surname="Example", phone="+447700900005")
    return brian, elsewhere, pat


def upload(client, call_list) -> str:
    response = client.post(
        f"/admin/phonebank/calllist/{call_list.pk}/import/",
        {
            "file": SimpleUploadedFile("stall.csv", FILE, content_type="text/csv"),
            "consent_wording": "The campaign may phone me about the election",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_the_check_says_what_will_happen_and_a_conflict_needs_a_choice(
    organiser, call_list, on_file
):
    brian, _, _ = on_file
    preview_url = upload(organiser, call_list)

    page = organiser.get(preview_url).content.decode()

    assert "<strong>3</strong> new, <strong>1</strong> already on file (same person)" in page
    assert "<strong>1</strong> conflict (the number is on file for someone else" in page
    assert "Brian Brown" in page and 'name="conflict-2"' in page
    assert "5 can be added" not in page
    assert "Brian" not in str(ContactImport.objects.get().pending_rows)  # looked up, not kept

    # Confirming without a choice changes nothing and says why.
    response = organiser.post(preview_url, {"confirm": "1"})

    assert response.status_code == 200
    assert "Choose what to do with each number" in response.content.decode()
    assert ContactImport.objects.get().status == ContactImport.Status.PREVIEW
    assert not CallAssignment.objects.filter(call_list=call_list).exists()
    assert Contact.objects.count() == 2


def test_taking_the_new_person_erases_the_old_record_and_keeps_her_agreement(
    organiser, call_list, on_file, make_caller, now
):
    brian, elsewhere, pat = on_file
    ContactConsent.objects.create(
        contact=brian, consent_text="x", consent_where="fete", consent_at=now
    )
    preview_url = upload(organiser, call_list)

    response = organiser.post(preview_url, {"confirm": "1", "conflict-2": "new"})

    assert response.status_code == 302
    alice = Contact.objects.get(phone="+447700900001", erased_at__isnull=True)
    assert (alice.first_name, alice.surname, alice.postcode) == ("Alice", "Adams", "DE22 3AA")
    assert alice.consent_where == "street stall" and alice.consent_at.day == 28
    assert alice.import_batch == ContactImport.objects.get()
    brian.refresh_from_db()
    assert brian.erased_at is not None and brian.first_name == "(erased)" and brian.phone == ""
    elsewhere.refresh_from_db()
    assert elsewhere.status == CallAssignment.Status.REMOVED
    on_list = set(
        CallAssignment.objects.filter(call_list=call_list).values_list(
            "contact__first_name", flat=True
        )
    )
    assert on_list == {"Alice", "Cara", "Dan", "Eve", "Pat"}
    pat.refresh_from_db()
    assert pat.first_name == "Pat"  # the same person: the record on file is used...
    assert pat.consent_where == "street stall, Allestree"
    again = pat.further_consents.get()  # ...and the file's agreement is kept beside it
    assert (again.consent_where, again.consent_at.day) == ("street stall", 28)
    assert not ContactConsent.objects.filter(contact=brian).exists()  # erased with him
    later = now + timedelta(minutes=5)
    called = {
        contact_claim_next(caller=make_caller(), call_list=call_list, now=later).contact.first_name
        for _ in range(5)
    }
    assert "Brian" not in called and "Alice" in called


def test_keeping_the_old_person_adds_him_without_her_agreement(organiser, call_list, on_file):
    brian, _, _ = on_file
    preview_url = upload(organiser, call_list)

    organiser.post(preview_url, {"confirm": "1", "conflict-2": "keep"})

    brian.refresh_from_db()
    assert (brian.first_name, brian.erased_at, brian.consent_where) == ("Brian", None, "doorstep")
    assert brian.postcode == "DE22 1AA" and brian.import_batch is None
    assert not Contact.objects.filter(first_name="Alice").exists()
    assert CallAssignment.objects.filter(call_list=call_list, contact=brian).exists()
    contact_import = ContactImport.objects.get()
    assert contact_import.rows_imported == 5
    assert {"line": 2, "reason": "Kept the person on file for this number"}.items() <= (
        contact_import.refused[0].items()
    )
    assert "Brian" not in str(contact_import.refused)  # nothing of his kept in the import


def test_skipping_the_row_adds_nobody_for_that_number(organiser, call_list, on_file):
    brian, _, _ = on_file
    preview_url = upload(organiser, call_list)

    organiser.post(preview_url, {"confirm": "1", "conflict-2": "skip"})

    brian.refresh_from_db()
    assert brian.first_name == "Brian" and brian.erased_at is None
    assert not Contact.objects.filter(first_name="Alice").exists()
    assert not CallAssignment.objects.filter(call_list=call_list, contact=brian).exists()
    assert CallAssignment.objects.filter(call_list=call_list).count() == 4
    assert ContactImport.objects.get().refused[0]["reason"].startswith("Skipped")


def test_a_number_taken_by_someone_else_after_the_check_is_not_merged(organiser, call_list, now):
    preview_url = upload(organiser, call_list)
    # Between the check and the confirmation another import gives Cara's number to Zed.
    zed = ContactFactory(first_name="Zed", surname="Zee", phone="+447700900002")

    organiser.post(preview_url, {"confirm": "1"})

    zed.refresh_from_db()
    assert zed.first_name == "Zed" and zed.consent_where == "street stall, Allestree"
    assert not Contact.objects.filter(first_name="Cara").exists()
    reasons = {row["line"]: row["reason"] for row in ContactImport.objects.get().refused}
    assert reasons[3].startswith("The number's record changed since the check")


def test_a_supporter_is_not_put_onto_someone_elses_record(call_list, now):
    """Adding supporters takes the same care: Sam's agreement is not hung on Brian."""
    brian = ContactFactory(first_name="Brian", surname="Brown", phone="+447700900001")
    sam = Supporter.objects.create(
        email="sam@example.org", name="Sam Jones", phone="+447700900001", phone_consent_at=now
    )
    Consent.objects.create(
        supporter=sam,
        wants_phone_calls=True,
        wording="The campaign may phone me about the election",
        page="/join/",
        confirmed_at=now,
    )

    assert call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1)) == 0

    brian.refresh_from_db()
    assert brian.supporter is None
    assert not CallAssignment.objects.filter(call_list=call_list).exists()


def test_the_same_agreement_imported_to_a_second_list_is_kept_once(
    organiser, call_list, on_file, session, script
):
    _, _, pat = on_file
    second = call_list_create(name="Second", script=script, sessions=[session])
    for target in (call_list, second):
        organiser.post(upload(organiser, target), {"confirm": "1", "conflict-2": "skip"})

    assert CallAssignment.objects.filter(contact=pat).count() == 2
    assert pat.further_consents.count() == 1
    assert not ContactConsent.objects.exclude(contact=pat).exists()  # Cara's is her own
    page = organiser.get(f"/admin/phonebank/contact/{pat.pk}/change/")
    assert page.status_code == 200
    assert "street stall, 28 Nov 2025" in page.content.decode()
