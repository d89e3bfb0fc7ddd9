"""The phonebank in admin, as the Organiser and the Data manager use it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.phonebank.models import (
    CallAssignment,
    CallerSuspension,
    CallList,
    CallRecord,
    CallResult,
    ContactImport,
    DoNotCall,
    Script,
    ScriptStep,
)
from events.phonebank.services import call_result_record, contact_claim_next
from tests.events.factories import EventFactory
from tests.events.phonebank.factories import AssignmentFactory
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model, client):
    def make(role: str, client=client):
        user = django_user_model.objects.create_user(role.lower().replace(" ", ""), is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return sign_in_with_two_factor(client, user), user

    return make


def test_an_organiser_builds_a_script_with_ordered_steps_and_previews_it(staff):
    client, _ = staff("Organiser")
    prefix = "steps"
    data = {
        "name": "Evening script",
        f"{prefix}-TOTAL_FORMS": "3",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-position": "1",
        f"{prefix}-0-kind": "text",
        f"{prefix}-0-text": "Hello, is that {first name}?",
        f"{prefix}-1-position": "2",
        f"{prefix}-1-kind": "single",
        f"{prefix}-1-text": "Would you put up a poster?",
        f"{prefix}-1-options_text": "Yes -> 3\nNo -> end",
        f"{prefix}-1-short_label": "Poster",
        f"{prefix}-2-position": "3",
        f"{prefix}-2-kind": "note",
        f"{prefix}-2-text": "Where?",
    }

    response = client.post("/admin/phonebank/script/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    script = Script.objects.get()
    steps = list(script.steps.order_by("position"))
    assert [s.kind for s in steps] == ["text", "single", "note"]
    assert steps[1].options == [
        {"label": "Yes", "then": "step:3"},
        {"label": "No", "then": "end"},
    ]
    preview = client.get(f"/admin/phonebank/script/{script.pk}/preview/").content.decode()
    assert "Hello, is that Sam?" in preview
    assert "How did the call go?" in preview and "Don&#x27;t call again" in preview
    assert "then end the call" in preview and "then go to step 3" in preview
    assert "07700 900123" in preview  # a made-up person from the drama range


def test_a_political_question_without_an_agreement_step_is_refused(staff):
    client, _ = staff("Organiser")
    data = {
        "name": "Bad script",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-0-position": "1",
        "steps-0-kind": "single",
        "steps-0-text": "How will you vote?",
        "steps-0-options_text": "Chris\nSomeone else",
        "steps-0-records_political_opinion": "on",
    }

    response = client.post("/admin/phonebank/script/add/", data)

    assert response.status_code == 200
    assert "May we note your answer?" in response.content.decode()
    assert not Script.objects.exists()


def test_a_call_list_for_phonebank_sessions(staff, session, script):
    client, user = staff("Organiser")
    response = client.post(
        "/admin/phonebank/calllist/add/",
        {
            "name": "Tuesday list",
            "basis": "consented",
            "status": "open",
            "sessions": [session.pk],
            "script": script.pk,
            "retry_delay": "04:00:00",
            "max_tries": "3",
        },
    )
    assert response.status_code == 302
    call_list = CallList.objects.get(name="Tuesday list")
    assert list(call_list.sessions.all()) == [session] and call_list.created_by == user
    page = client.get(f"/admin/phonebank/calllist/{call_list.pk}/change/").content.decode()
    assert "Import contacts" in page and "Export results" not in page


def test_the_import_upload_preview_and_confirm(staff, call_list):
    client, _ = staff("Organiser")
    url = f"/admin/phonebank/calllist/{call_list.pk}/import/"
    csv_bytes = (
        b'name,phone,postcode,consent\nSam Jones,07700 900001,DE22 1AA,"street stall, 14 Nov"\n'
        b'Ali,12345,DE22 1AA,"street stall, 14 Nov"\n'
    )

    response = client.post(
        url,
        {
            "file": SimpleUploadedFile("stall.csv", csv_bytes, content_type="text/csv"),
            "consent_wording": "The campaign may phone me about the election",
        },
    )

    contact_import = ContactImport.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Not a valid UK phone number" in page and "Line" in page
    assert "Add 1 contact to the list" in page
    assert CallAssignment.objects.count() == 0

    client.post(response["Location"], {"confirm": "1"})

    assert CallAssignment.objects.filter(call_list=call_list).count() == 1
    contact_import.refresh_from_db()
    assert contact_import.status == ContactImport.Status.CONFIRMED


def test_a_file_that_is_not_usable_is_explained_next_to_the_field(staff, call_list):
    client, _ = staff("Organiser")
    response = client.post(
        f"/admin/phonebank/calllist/{call_list.pk}/import/",
        {
            "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"),
            "consent_wording": "x",
        },
    )
    assert response.status_code == 200
    assert "phone column" in response.content.decode()


def test_a_file_with_a_nul_character_is_explained_not_a_server_error(staff, call_list):
    client, _ = staff("Organiser")
    csv_bytes = b'name,phone,postcode,consent\nSa\x00m,07700 900001,,"stall, 14 Nov"\n'
    response = client.post(
        f"/admin/phonebank/calllist/{call_list.pk}/import/",
        {"file": SimpleUploadedFile("stall.csv", csv_bytes), "consent_wording": "x"},
    )
    assert response.status_code == 200
    assert "NUL character in it (line 2)" in response.content.decode()
    assert not ContactImport.objects.exists()


def test_the_data_manager_exports_but_cannot_import(staff, call_list, client):
    client, _ = staff("Data manager")
    assert client.get(f"/admin/phonebank/calllist/{call_list.pk}/import/").status_code == 403
    response = client.get(f"/admin/phonebank/calllist/{call_list.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_an_organiser_cannot_export(staff, call_list):
    client, _ = staff("Organiser")
    assert client.get(f"/admin/phonebank/calllist/{call_list.pk}/export/").status_code == 403


def test_results_page_with_a_caller_to_suspend(staff, call_list, make_caller, make_contacts, now):
    make_contacts(2)
    caller = make_caller(first_name="Femi")
    held = contact_claim_next(caller=caller, call_list=call_list, now=now - timedelta(minutes=5))
    call_result_record(caller=caller, assignment=held, result=CallResult.BUSY, now=now)
    contact_claim_next(caller=caller, call_list=call_list, now=now)
    client, _ = staff("Organiser")

    page = client.get(f"/admin/phonebank/calllist/{call_list.pk}/results/").content.decode()

    assert "Femi" in page and "Busy" in page and "Voting intention" in page
    response = client.post(
        f"/admin/phonebank/calllist/{call_list.pk}/suspend/{caller.pk}/",
        {"reason": "Rude to a voter"},
    )
    assert response.status_code == 302
    assert CallerSuspension.objects.get().reason == "Rude to a voter"
    assert not CallAssignment.objects.filter(status="held").exists()


def test_organisers_add_a_number_to_do_not_call(staff):
    client, _ = staff("Organiser")
    bad = client.post("/admin/phonebank/donotcall/add/", {"phone": "123", "note": ""})
    assert bad.status_code == 200 and "Not a UK phone number" in bad.content.decode()

    response = client.post(
        "/admin/phonebank/donotcall/add/", {"phone": "07700 900777", "note": "Emailed the office"}
    )

    assert response.status_code == 302
    entry = DoNotCall.objects.get()
    assert (entry.phone, entry.reason) == ("+447700900777", "organiser")


def test_add_supporters_page(staff, call_list):
    client, _ = staff("Organiser")
    page = client.get(f"/admin/phonebank/calllist/{call_list.pk}/add-supporters/")
    assert page.status_code == 200 and "Postcode districts" in page.content.decode()
    response = client.post(
        f"/admin/phonebank/calllist/{call_list.pk}/add-supporters/",
        {"postcode_districts": "DE22"},
    )
    assert response.status_code == 302


def test_a_step_with_answers_cannot_be_deleted(
    staff, call_list, script, make_caller, make_contacts, now
):
    make_contacts(1)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    note = script.steps.get(kind=ScriptStep.Kind.NOTE)
    call_result_record(
        caller=caller, assignment=held, result="spoke", answers={note.pk: "Kind"}, now=now
    )
    client, _ = staff("Organiser")
    page = client.get(f"/admin/phonebank/script/{script.pk}/change/")
    form = page.context["adminform"].form
    inline = page.context["inline_admin_formsets"][0].formset
    data = {
        "name": form.initial["name"],
        **{f"steps-{key}": value for key, value in inline.management_form.initial.items()},
    }
    for index, step_form in enumerate(inline.forms):
        for name, field in step_form.fields.items():
            value = step_form.initial.get(name, field.initial)
            if value is not None and value is not False:
                data[f"steps-{index}-{name}"] = value
        if step_form.instance.pk == note.pk:
            data[f"steps-{index}-DELETE"] = "on"

    response = client.post(f"/admin/phonebank/script/{script.pk}/change/", data)

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert script.steps.filter(pk=note.pk).exists()


def test_a_data_manager_opens_a_call_list_change_page(staff, session, call_list, make_contacts):
    make_contacts(2)
    client, _ = staff("Data manager")

    page = client.get(f"/admin/phonebank/calllist/{call_list.pk}/change/")

    assert page.status_code == 200  # was a 500: KeyError 'sessions' on the read-only form
    content = page.content.decode()
    assert call_list.name in content and session.title in content
    assert 'name="_save"' not in content  # seen, not changed


def test_an_organiser_cannot_suspend_someone_who_is_not_a_caller_on_the_list(
    staff, call_list, make_caller
):
    other_session = EventFactory(phonebank=True)
    stranger = make_caller(event=other_session, first_name="Ola")
    client, _ = staff("Organiser")
    url = f"/admin/phonebank/calllist/{call_list.pk}/suspend/{stranger.pk}/"

    response = client.post(url, {"reason": "Rude to a voter"}, follow=True)

    assert not CallerSuspension.objects.exists()
    assert "Ola is not a caller on Allestree supporters" in response.content.decode()
    assert client.get(url).status_code == 302  # no form for them either


def test_the_call_lists_page_counts_each_list_without_joining_everything(
    staff, session, script, call_list, make_caller
):
    call_list.sessions.add(EventFactory(phonebank=True))
    caller = make_caller()
    places = [AssignmentFactory(call_list=call_list) for _ in range(3)]
    places[2].status = CallAssignment.Status.REMOVED
    places[2].save()
    for place in places[:2]:
        for _ in range(3):
            CallRecord.objects.create(
                call_list=call_list,
                assignment=place,
                contact=place.contact,
                caller=caller,
                result=CallResult.NO_ANSWER,
            )
    quiet = CallList.objects.create(name="Quiet list", script=script)
    client, _ = staff("Organiser")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/phonebank/calllist/")

    assert page.status_code == 200
    rows = {row.name: row for row in page.context["cl"].result_list}
    busy = rows[call_list.name]
    assert (busy.session_count, busy.on_list, busy.call_count) == (2, 2, 6)
    assert (rows[quiet.name].session_count, rows[quiet.name].on_list) == (0, 0)
    assert rows[quiet.name].call_count == 0
    listing = [q["sql"] for q in queries.captured_queries if "call_count" in q["sql"]]
    assert listing and all("LEFT OUTER JOIN" not in sql for sql in listing)
