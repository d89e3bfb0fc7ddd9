"""Two-factor sign-in for admin with an authenticator app (TOTP, RFC 6238)."""

import base64

import segno
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def two_factor_has_device(user: AbstractBaseUser) -> bool:
    """Whether the account has its authenticator app (backup codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def two_factor_device_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def two_factor_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the device if `token` is a current code from it."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


def two_factor_secret(device: TOTPDevice) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def two_factor_qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


ENROLMENT_SALT = "campaign_site.core.two_factor.enrolment"
ENROLMENT_MAX_AGE = 3 * 24 * 60 * 60


def two_factor_enrolment_token(*, user: AbstractBaseUser) -> str:
    """A link a superuser gives one person to set up their authenticator app.

    A password alone never enrols a device: whoever has only the password (a shared laptop,
    a reused password) cannot make the second factor their own. The link stops working once
    the account has a device, and after three days."""
    return signing.dumps({"u": user.pk}, salt=ENROLMENT_SALT, compress=True)


def two_factor_enrolment_user_id(token: str) -> int | None:
    try:
        data = signing.loads(token, salt=ENROLMENT_SALT, max_age=ENROLMENT_MAX_AGE)
    except signing.BadSignature:
        return None
    return data.get("u") if isinstance(data, dict) else None


@transaction.atomic
def two_factor_device_issue(*, user: AbstractBaseUser) -> TOTPDevice:
    """A confirmed authenticator device made for the user by whoever sets the account up
    (the first organiser's, from the command line); its key is shown to them once."""
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)


BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


@transaction.atomic
def two_factor_backup_codes_issue(*, user: AbstractBaseUser) -> list[str]:
    """Ten new one-use backup codes for when the phone is lost; any older ones stop working.

    They are shown once, when made: only django-otp's stored copies remain."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def two_factor_backup_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
