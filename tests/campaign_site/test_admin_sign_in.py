import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

MAX_FAILURES_PER_ACCOUNT = django_settings.AXES_FAILURE_LIMIT

PASSWORD = "a-long-organiser-passphrase"


@pytest.fixture
def organiser():
    return get_user_model().objects.create_user(
        username="organiser", password=PASSWORD, is_staff=True, is_superuser=True
    )


def sign_in(client, password=PASSWORD):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "organiser", "password": password, "next": "/admin/"},
    )


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def test_password_alone_does_not_open_admin_when_debug_is_off(client, organiser, settings):
    assert settings.ADMIN_REQUIRE_TWO_FACTOR

    sign_in(client)
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/admin/two-factor/setup/")
    assert "Ask the campaign's administrator for a" in response.content.decode()
    assert client.get("/admin/campaign_site/outboundemail/").status_code == 302


def test_a_password_alone_cannot_enrol_a_device(client, organiser):
    sign_in(client)

    page = client.get("/admin/two-factor/setup/").content.decode()
    forged = client.get("/admin/two-factor/setup/not-a-real-link/").content.decode()

    assert 'src="data:image/svg+xml' not in page + forged
    assert "not for this account" in forged
    assert not TOTPDevice.objects.filter(user=organiser).exists()


def enrolment_link_for(user, admin_client) -> str:
    response = admin_client.post(
        "/admin/campaign_site/user/",
        {"action": "make_two_factor_links", "_selected_action": [user.pk]},
    )
    return re.search(
        r"<code>https?://[^/]+(/admin/two-factor/setup/[^<]+)</code>", response.content.decode()
    ).group(1)


def test_a_link_from_a_superuser_enrols_an_authenticator_app(
    client, organiser, admin_client, settings
):
    # After a wrong code django-otp makes the device wait (a second, doubling): off here, so
    # the right code can follow at once (the next test shows the wait is kept).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    link = enrolment_link_for(organiser, admin_client)
    sign_in(client)
    session_before = client.session.session_key
    setup = client.get(link)
    assert 'src="data:image/svg+xml' in setup.content.decode()  # the QR code, on the page
    device = TOTPDevice.objects.get(user=organiser, confirmed=False)

    wrong = client.post(link, {"code": "000000"})
    assert "That code did not match" in wrong.content.decode()

    response = client.post(link, {"code": current_code(device)})

    # Set up: the backup codes are shown, once, before going on.
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/admin/").status_code == 200
    assert client.session.session_key != session_before
    device.refresh_from_db()
    assert device.confirmed
    assert (
        "Already has a device"
        in admin_client.post(
            "/admin/campaign_site/user/",
            {"action": "make_two_factor_links", "_selected_action": [organiser.pk]},
        ).content.decode()
    )


def test_after_a_wrong_code_even_the_right_one_waits_out_the_throttle(
    client, organiser, admin_client, settings
):
    assert getattr(django_settings, "OTP_TOTP_THROTTLE_FACTOR", 1) >= 1  # on for the site
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # a wait no test outlasts
    link = enrolment_link_for(organiser, admin_client)
    sign_in(client)
    client.get(link)
    device = TOTPDevice.objects.get(user=organiser, confirmed=False)
    client.post(link, {"code": "000000"})

    response = client.post(link, {"code": current_code(device)})

    assert "That code did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_link_works_only_for_its_own_account(client, organiser, admin_client):
    other = get_user_model().objects.create_user(username="other", password="x", is_staff=True)
    link = enrolment_link_for(other, admin_client)
    sign_in(client)

    page = client.get(link).content.decode()

    assert "not for this account" in page
    assert not TOTPDevice.objects.filter(user=organiser).exists()


def test_wrong_codes_still_count_after_the_password_is_entered_again(client, organiser):

    TOTPDevice.objects.create(user=organiser, name="Authenticator app", confirmed=True)
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        client.logout()
        sign_in(client)
        client.post("/admin/two-factor/verify/", {"code": "000000"})
    client.logout()

    response = sign_in(client)

    assert "Too many failed sign-in attempts" in response.content.decode()


def test_later_sign_ins_ask_for_a_code(client, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="Authenticator app", confirmed=True)

    sign_in(client)
    assert (
        client.get("/admin/", follow=True)
        .redirect_chain[-1][0]
        .startswith("/admin/two-factor/verify/")
    )
    client.post("/admin/two-factor/verify/", {"code": current_code(device)})

    assert client.get("/admin/").status_code == 200


def test_two_factor_can_be_off_in_development(client, organiser, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = False

    sign_in(client)

    assert client.get("/admin/").status_code == 200


def test_sign_in_locks_after_repeated_failures_even_with_the_right_password(client, organiser):
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        response = sign_in(client, password="wrong")
        assert "Please enter the correct username and password" in response.content.decode()

    response = sign_in(client)

    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_sign_in_resets_the_count(client, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="Authenticator app", confirmed=True)
    for _ in range(MAX_FAILURES_PER_ACCOUNT - 1):
        sign_in(client, password="wrong")
    sign_in(client)
    client.post("/admin/two-factor/verify/", {"code": current_code(device)})  # both factors
    client.logout()

    sign_in(client, password="wrong")
    response = sign_in(client)

    assert response.status_code == 302


def test_a_backup_code_signs_in_once_when_the_phone_is_lost(client, organiser):
    from campaign_site.core.two_factor import two_factor_backup_codes_issue

    TOTPDevice.objects.create(user=organiser, name="Authenticator app", confirmed=True)
    code = two_factor_backup_codes_issue(user=organiser)[0]

    sign_in(client)
    response = client.post("/admin/two-factor/verify/", {"code": code.upper()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200

    client.logout()
    sign_in(client)
    again = client.post("/admin/two-factor/verify/", {"code": code})
    assert "That code did not match" in again.content.decode()


def test_new_backup_codes_replace_the_old_ones(client, organiser):
    device = TOTPDevice.objects.create(user=organiser, name="Authenticator app", confirmed=True)
    from campaign_site.core.two_factor import two_factor_backup_codes_issue

    old = two_factor_backup_codes_issue(user=organiser)
    sign_in(client)
    client.post("/admin/two-factor/verify/", {"code": current_code(device)})
    assert (
        "10 unused backup codes" in client.get("/admin/two-factor/backup-codes/").content.decode()
    )

    page = client.post("/admin/two-factor/backup-codes/").content.decode()
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    sign_in(client)
    assert (
        "That code did not match"
        in client.post("/admin/two-factor/verify/", {"code": old[0]}).content.decode()
    )


def test_a_stranger_typing_the_agent_s_username_does_not_lock_the_agent_out(client, organiser):
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        client.post(
            "/admin/login/",
            {"username": "organiser", "password": "guess"},
            REMOTE_ADDR="198.51.100.7",
        )
    assert (
        "Too many failed sign-in attempts"
        in client.post(
            "/admin/login/",
            {"username": "organiser", "password": PASSWORD},
            REMOTE_ADDR="198.51.100.7",
        ).content.decode()
    )

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "organiser", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_failed_sign_ins_are_recorded_for_superusers_to_read(client, organiser, admin_client):
    from axes.models import AccessFailureLog

    client.post("/admin/login/", {"username": "organiser", "password": "guess"})

    failure = AccessFailureLog.objects.get()
    assert failure.username == "organiser"
    assert admin_client.get("/admin/axes/accessfailurelog/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_wrong_password_gives_the_normal_page_and_still_counts(
    client, organiser, settings
):
    from campaign_site.settings import redis_cache

    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0", timeout_seconds=0.2)}

    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        response = sign_in(client, password="wrong")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()

    assert "Too many failed sign-in attempts" in sign_in(client).content.decode()
