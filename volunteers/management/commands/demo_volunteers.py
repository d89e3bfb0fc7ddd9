"""Demo supporters and a draft update for `make run` (made-up people, example.org).

Idempotent: running it again changes nothing.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from volunteers.consent import consent_wording
from volunteers.models import Consent, Supporter, Update

# Made-up first names and Derby North postcodes (Allestree, Darley Abbey, Mackworth,
# Chaddesden, Oakwood, Little Chester, the city centre).
PEOPLE = [
    ("Alex", "DE22 2AB"),
    ("Priya", "DE22 1HG"),
    ("Tom", "DE22 4LQ"),
    ("Fatima", "DE21 6DL"),
    ("Jordan", "DE21 4PX"),
    ("Sian", "DE1 3AX"),
    ("Marek", "DE1 1FS"),
    ("Grace", ""),
    ("", "DE21 2RG"),
    ("", ""),
    ("Dev", "DE22 3PR"),
    ("Holly", ""),
]
PATTERNS = [
    (True, True, False),
    (True, False, True),
    (True, True, True),
    (False, True, False),
    (True, False, False),
]

DRAFT_BODY = """Thank you to all who knocked on doors in Allestree and Darley Abbey on Saturday.

We spoke to more than 400 households. Many had never heard from an independent candidate before.

**Next:** canvassing from Mackworth on Tuesday evening, and the phonebank on Thursday. Sign up at
http://localhost:8000/events/"""


class Command(BaseCommand):
    help = "Add demo supporters and a draft update (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        created = 0
        for number, (name, postcode) in enumerate(PEOPLE * 3):
            email = f"demo.supporter{number + 1}@example.org"
            if Supporter.objects.filter(email=email).exists():
                continue
            updates, canvass, phonebank = PATTERNS[number % len(PATTERNS)]
            # At least an hour ago, so confirming (12 minutes later) is in the past too.
            joined = now - timedelta(days=number % 30, hours=number + 1)
            source = [Supporter.Source.JOIN, Supporter.Source.FOOTER, Supporter.Source.RSVP][
                number % 3
            ]
            confirmed = number % 7 != 3
            unsubscribed = number % 11 == 5
            supporter = Supporter.objects.create(
                email=email,
                name=name,
                postcode=postcode,
                wants_updates=updates and not unsubscribed,
                wants_canvass_alerts=canvass and not unsubscribed,
                wants_phonebank_alerts=phonebank and not unsubscribed,
                source=source,
                created_at=joined,
                confirmed_at=joined + timedelta(minutes=12) if confirmed else None,
                unsubscribed_at=joined + timedelta(days=1) if unsubscribed else None,
            )
            Consent.objects.create(
                supporter=supporter,
                given_at=joined,
                source=source,
                page={"join": "/join/", "footer": "footer of /", "rsvp": "/events/"}[source],
                wording=consent_wording(
                    source=source,
                    wants_updates=updates,
                    wants_canvass_alerts=canvass,
                    wants_phonebank_alerts=phonebank,
                ),
                wants_updates=updates,
                wants_canvass_alerts=canvass,
                wants_phonebank_alerts=phonebank,
                confirmed_at=supporter.confirmed_at,
            )
            created += 1
        _, draft = Update.objects.get_or_create(
            subject="Thank you for Saturday, and what's next",
            defaults={"body": DRAFT_BODY, "audience": Update.Audience.UPDATES},
        )
        self.stdout.write(
            f"Demo mailing list: {created} supporters added "
            f"({Supporter.objects.confirmed().count()} confirmed in all)"
            + ("; a draft update added" if draft else "")
        )
