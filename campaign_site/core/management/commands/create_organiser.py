import io
import secrets

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from campaign_site.core.two_factor import two_factor_device_issue, two_factor_secret


class Command(BaseCommand):
    help = (
        "Create the first organiser account for /admin/ (a superuser) with its authenticator "
        "app key, and print both once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="organiser")
        parser.add_argument("--email", default="organiser@localhost")

    def handle(self, *args, username: str, email: str, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Organiser account '{username}' already exists; its password was printed "
                f"when it was created. To set a new one: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            user = User.objects.create_superuser(username=username, email=email, password=password)
            device = two_factor_device_issue(user=user)
        qr = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=qr, compact=True)
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Organiser login for /admin/ (shown once, keep it safe):\n"
                f"    username: {username}\n    password: {password}\n"
            )
        )
        self.stdout.write(
            "  With debug off, admin also asks for a code from an authenticator app.\n"
            "  Add this account to the app now: scan the QR code below, or type the key\n"
            f"    {two_factor_secret(device)}\n"
        )
        self.stdout.write(qr.getvalue())
        self.stdout.write(
            "  Other organisers: create their accounts in admin (Users), then use the action\n"
            "  'Make two-factor set-up links' and give each person their link.\n"
        )
