import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first organiser account for /admin/ and print its password once."

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
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Organiser login for /admin/ (shown once, keep it safe):\n"
                f"    username: {username}\n    password: {password}\n"
                "  With debug off, admin also asks for a code from an authenticator app:\n"
                "  you set that up by scanning a QR code at the first sign-in.\n"
            )
        )
