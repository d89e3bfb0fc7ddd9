"""Admin needs two-factor sign-in when debug is off: tests sign staff in fully."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def sign_in_with_two_factor(client, user):
    """Log `user` in as if they had entered their password and a valid code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sign_in_browser_with_two_factor(page, live_server, user):
    """Give the browser page a session signed in with both factors as `user`."""
    from django.conf import settings
    from django.test import Client

    client = sign_in_with_two_factor(Client(), user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page
