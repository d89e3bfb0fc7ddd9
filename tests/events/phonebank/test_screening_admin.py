"""Organisers upload TPS and Corporate TPS files in admin, import to a screened list with a
source and no consent column, and see on the call list and results pages whether the list
is being served, with its basis and screening date in the export."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from events.phonebank.models import (
    CallList,
    CallResult,
    Contact,
    ScreeningFile,
    TpsNumber,
)
from events.phonebank.screening import STALE
from events.phonebank.services import (
    call_list_create,
    call_result_record,
    contact_claim_next,
    phonebank_results_export,
)
from events.phonebank.services.screening import screening_file_load
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser(django_user_model, client):
    user = django_user_model.objects.create_user("organiser", is_staff=True)
    user.groups.add(Group.objects.get(name="Organiser"))
    return sign_in_with_two_factor(client, user)


@pytest.fixture
def screened(session, script):
    return call_list_create(
        name="Constituents", script=script, sessions=[session], basis=CallList.Basis.SCREENED
    )


def upload(client, kind, content: bytes):
    return client.post(
        "/admin/phonebank/screeningfile/upload/",
        {"kind": kind, "file": SimpleUploadedFile("tps.txt", content, "text/plain")},
    )


def test_an_organiser_uploads_the_files_and_the_list_is_served(organiser, screened):
    page = organiser.get(f"/admin/phonebank/calllist/{screened.pk}/change/").content.decode()
    assert "Constituents, screened against the TPS" in page and STALE in page

    response = upload(organiser, "tps", b"01332 000001\n\nnot a number\n01332000002\n")
    assert response.status_code == 302
    tps = ScreeningFile.objects.get(kind="tps")
    assert (tps.lines_read, tps.numbers_kept, tps.lines_skipped) == (4, 2, 2)
    assert TpsNumber.objects.count() == 2
    assert upload(organiser, "ctps", b"01332 000003\n").status_code == 302

    page = organiser.get(f"/admin/phonebank/calllist/{screened.pk}/change/").content.decode()
    assert STALE not in page and "Checked against the TPS and Corporate TPS on" in page
    listing = organiser.get("/admin/phonebank/screeningfile/").content.decode()
    assert "Screened lists are being served" in listing


def test_a_file_without_numbers_is_refused_in_admin(organiser):
    response = upload(organiser, "tps", b"\nhello\n")
    assert response.status_code == 200
    assert "no UK phone numbers" in response.content.decode()
    assert not ScreeningFile.objects.exists()


def test_a_screened_import_asks_for_the_source_not_consent(organiser, screened, now):
    screening_file_load(kind="tps", lines=["01332 000001"], now=now)
    page = organiser.get(f"/admin/phonebank/calllist/{screened.pk}/import/").content.decode()
    assert "Where the numbers came from" in page and "What they agreed to" not in page
    response = organiser.post(
        f"/admin/phonebank/calllist/{screened.pk}/import/",
        {
            "file": SimpleUploadedFile(
                "door.csv",
                b"name,phone,postcode\nSam Jones,07700 900010,DE22 1AA\n"
                b"Ali Khan,01332 000001,DE22 1AB\n",
            ),
            "source": "Our doorstep records",
            "source_date": (now - timedelta(days=3)).date().isoformat(),
        },
    )
    assert response.status_code == 302
    preview = organiser.get(response["Location"]).content.decode()
    assert "Registered with the TPS" in preview
    assert "Where the number came from" in preview and "Our doorstep records" in preview
    assert organiser.post(response["Location"], {}).status_code == 302
    assert Contact.objects.get(phone="+447700900010").source == "Our doorstep records"
    assert not Contact.objects.filter(phone="+441332000001").exists()


def test_results_and_export_show_basis_and_screening_date(
    organiser, screened, make_caller, now, django_user_model
):
    for kind in ("tps", "ctps"):
        screening_file_load(kind=kind, lines=["01332 000001"], now=now - timedelta(days=2))
    contact = ContactFactory(phone="+447700900010", consent_text="", consent_at=None)
    AssignmentFactory(call_list=screened, contact=contact)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=screened, now=now)
    call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)

    page = organiser.get(f"/admin/phonebank/calllist/{screened.pk}/results/").content.decode()
    assert "Constituents, screened against the TPS" in page
    assert "Checked against the TPS and Corporate TPS on" in page
    data = django_user_model.objects.create_user("data", is_staff=True)
    data.groups.add(Group.objects.get(name="Data manager"))
    rows = list(csv.reader(io.StringIO(phonebank_results_export(call_list=screened, actor=data))))
    screened_on = timezone.localtime(now - timedelta(days=2)).strftime("%Y-%m-%d")
    assert rows[1][:2] == ["Constituents, screened against the TPS", screened_on]
