"""The admin home lists the campaign's work first, in its words; security is for superusers."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from campaign_site.core.admin_sections import admin_sections
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


def sections(client) -> dict[str, list[str]]:
    """Each section's heading on the admin home, with the names of its rows."""
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    found = {}
    for table in re.findall(r"<table>(.*?)</table>", page, re.S):
        heading = re.search(r'<span class="section">(.*?)</span>', table)
        if heading:
            rows = re.findall(r'<th scope="row"[^>]*>\s*<a href="[^"]*"[^>]*>(.*?)</a>', table)
            found[heading.group(1)] = rows
    return found


def test_the_campaigns_work_comes_first_and_security_last(admin_client):
    home = sections(admin_client)

    assert list(home) == [
        "Sessions",
        "Updates and supporters",
        "Phonebank",
        "Donations",
        "Campaign settings and email",
        "Security",
    ]
    assert home["Sessions"][0] == "Sessions"
    assert home["Updates and supporters"][0] == "Updates to the list"
    assert home["Phonebank"][0] == "Call lists"
    assert home["Donations"][0] == "Donations"
    assert home["Campaign settings and email"][0] == "Campaign settings"
    assert home["Security"] == [
        "Staff accounts",
        "Roles (groups of permissions)",
        "Authenticator apps",
        "Backup codes",
        "Failed sign-ins",
        "Sign-in lockouts",
        "Sign-ins",
        "Audit log",
        "Email bounces and complaints",
    ]
    page = admin_client.get("/admin/").content.decode()
    for framework_name in ["Axes", "Otp_Static", "TOTP devices", "Authentication and", "Delivery"]:
        assert framework_name not in page


def test_a_superuser_finds_every_registered_model_once(admin_client):
    page = admin_client.get("/admin/").content.decode()
    tables = "".join(re.findall(r"<table>.*?</table>", page, re.S))
    links = re.findall(r'<th scope="row"[^>]*>\s*<a href="([^"]*)"', tables)

    assert sorted(links) == sorted(
        f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        for model in admin.site._registry
    )


def test_an_organiser_sees_no_security_section(client):
    organiser = get_user_model().objects.create_user(username="jo", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))

    home = sections(sign_in_with_two_factor(client, organiser))

    assert list(home) == [
        "Sessions",
        "Updates and supporters",
        "Phonebank",
        "Donations",  # spending items, which organisers may propose to the agent
        "Campaign settings and email",
    ]
    assert "Security" not in client.get("/admin/").content.decode()


def model_row(object_name: str, name: str) -> dict:
    return {"object_name": object_name, "name": name, "admin_url": f"/admin/x/{object_name}/"}


def test_a_model_named_nowhere_goes_to_its_apps_section_and_an_unknown_app_last():
    app_dict = {
        "donations": {"name": "Donations", "models": [model_row("Donation", "Donations")]},
        "newapp": {
            "name": "Leaflets",
            "app_label": "newapp",
            "models": [model_row("Drop", "Drops")],
        },
    }
    app_dict["donations"]["models"].append(model_row("Spending", "Spending ledger"))

    arranged = admin_sections(app_dict, is_superuser=False)

    assert [
        (section["name"], [row["name"] for row in section["models"]]) for section in arranged
    ] == [
        ("Donations", ["Donations", "Spending ledger"]),
        ("Leaflets", ["Drops"]),
    ]


def test_an_apps_own_page_keeps_its_list(admin_client):
    response = admin_client.get("/admin/phonebank/")

    assert response.status_code == 200
    assert "Call lists" in response.content.decode()
