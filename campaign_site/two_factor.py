"""Two-factor sign-in for admin with an authenticator app (TOTP, RFC 6238)."""

import base64

import segno
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def two_factor_has_device(user: AbstractBaseUser) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


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
