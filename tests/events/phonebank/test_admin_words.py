"""The call list form asks what organisers know: how many hours before trying again."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from events.phonebank.models import CallList
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


def test_the_retry_delay_is_asked_and_shown_in_hours(client, django_user_model, session, script):
    organiser = django_user_model.objects.create_user("jo", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    sign_in_with_two_factor(client, organiser)

    add_page = client.get("/admin/phonebank/calllist/add/").content.decode()
    assert "Try again after (hours)" in add_page and "Hours:minutes:seconds" not in add_page
    response = client.post(
        "/admin/phonebank/calllist/add/",
        {
            "name": "Tuesday list",
            "basis": "consented",
            "status": "open",
            "sessions": [session.pk],
            "script": script.pk,
            "retry_delay": "1.5",
            "max_tries": "3",
        },
    )

    assert response.status_code == 302
    call_list = CallList.objects.get(name="Tuesday list")
    assert call_list.retry_delay == timedelta(hours=1, minutes=30)
    page = client.get(f"/admin/phonebank/calllist/{call_list.pk}/change/").content.decode()
    assert 'name="retry_delay" value="1.5"' in page
