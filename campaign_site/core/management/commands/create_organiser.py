import io
import secrets
import sys
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from campaign_site.core.two_factor import two_factor_device_issue, two_factor_secret


def boxed(lines: list[str]) -> str:
    """The lines in a frame that stands out in a terminal full of other output."""
    width = max(len(line) for line in lines)
    top = "┏" + "━" * (width + 4) + "┓"
    bottom = "┗" + "━" * (width + 4) + "┛"
    return "\n".join([top, *(f"┃  {line.ljust(width)}  ┃" for line in lines), bottom])


def _python() -> str:
    """How to call this Python from here: `.venv/bin/python` after `make run`."""
    try:
        return str(Path(sys.executable).relative_to(Path.cwd()))
    except ValueError:
        return "python"


class Command(BaseCommand):
    help = (
        "Create the first organiser account for /admin/ (a superuser) with its authenticator "
        "app key, and print both once, in a box at the end of the output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="organiser")
        parser.add_argument("--email", default="organiser@localhost")

    def handle(self, *args, username: str, email: str, **options):
        User = get_user_model()
        admin_url = f"{settings.SITE_URL}/admin/"
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                boxed(
                    [
                        "Organiser login",
                        "",
                        f"Open      {admin_url}",
                        f"Username  {username}",
                        "Password  as printed when the account was made; for a new one:",
                        f"          {_python()} manage.py changepassword {username}",
                    ]
                )
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_superuser(username=username, email=email, password=password)
            device = two_factor_device_issue(user=user)
        key = two_factor_secret(device)
        if settings.ADMIN_REQUIRE_TWO_FACTOR:
            qr = io.StringIO()
            segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
            self.stdout.write(
                "\nAdmin asks for a code from an authenticator app after the password.\n"
                "Add this account to the app now: scan this QR code, or type the key below.\n"
            )
            self.stdout.write(qr.getvalue())
            second_step = [
                "Code      from your authenticator app: scan the QR code above,",
                f"          or type the key {key}",
            ]
        else:
            second_step = [
                "With debug off, admin also asks for a code from an authenticator",
                f"app. This account's key: {key}",
            ]
        self.stdout.write(
            self.style.SUCCESS(
                boxed(
                    [
                        "Organiser login (shown once: keep it safe)",
                        "",
                        f"Open      {admin_url}",
                        f"Username  {username}",
                        f"Password  {password}",
                        "",
                        *second_step,
                        "",
                        "More organisers: add them in admin (Staff accounts), then use",
                        "the action 'Make two-factor set-up links'.",
                    ]
                )
            )
        )
