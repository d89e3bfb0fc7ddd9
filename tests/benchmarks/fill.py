"""Fill a database with the benchmark's volume: 50,000 supporters, 1,000 sessions,
20,000 sign-ups and 10,000 donations. Run inside Django (see run.py).

The sizes can be scaled (tests/performance fills a handful of rows, then a large volume
on top, tagged apart so slugs and addresses never clash)."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from donations.models import Donation, Donor, Payment
from events.geography import grid_point_of
from events.models import Event, Rsvp
from volunteers.models import Supporter

SUPPORTERS = 50_000
SESSIONS = 1_000
SIGNUPS = 20_000
DONATIONS = 10_000
BATCH = 2_000

AREAS = [
    "Allestree, DE22",
    "Darley Abbey, DE22",
    "Chaddesden, DE21",
    "Oakwood, DE21",
    "Mickleover, DE3",
    "Spondon, DE21",
    "Littleover, DE23",
    "Mackworth, DE22",
]


@transaction.atomic
def fill(
    *,
    supporters: int = SUPPORTERS,
    sessions: int = SESSIONS,
    signups: int = SIGNUPS,
    donations: int = DONATIONS,
    tag: str = "bench",
    seed: int = 2026,
) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    supporter_rows = [
        Supporter(
            email=f"{tag}-supporter-{n}@example.org",
            name=f"Supporter {n}" if n % 3 else "",
            wants_updates=rng.random() < 0.8,
            wants_canvass_alerts=rng.random() < 0.4,
            wants_phonebank_alerts=rng.random() < 0.4,
            confirmed_at=now - timedelta(days=rng.randint(1, 60)) if rng.random() < 0.7 else None,
            created_at=now - timedelta(days=rng.randint(1, 90)),
        )
        for n in range(supporters)
    ]
    Supporter.objects.bulk_create(supporter_rows, batch_size=BATCH)
    supporter_ids = [supporter.pk for supporter in supporter_rows]

    events = []
    for n in range(sessions):
        kind = Event.Kind.CANVASS if n % 2 else Event.Kind.PHONEBANK
        starts = now + timedelta(days=rng.randint(-120, 120), hours=rng.randint(0, 10))
        area = rng.choice(AREAS) if kind == Event.Kind.CANVASS else ""
        # A postcode in the area's district, placed as the session services place it.
        postcode = f"{area.rsplit(' ', 1)[-1]} 1AA" if area else ""
        easting, northing = (grid_point_of(postcode) if postcode else None) or (None, None)
        events.append(
            Event(
                kind=kind,
                title=f"{'Canvassing' if kind == Event.Kind.CANVASS else 'Phonebank'} {n}",
                slug=f"{tag}-session-{n}",
                description="Meet the team and talk to voters about the campaign.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=rng.choice([None, 10, 20, 40]),
                status=Event.Status.PUBLISHED,
                format=Event.Format.IN_PERSON
                if kind == Event.Kind.CANVASS
                else Event.Format.ONLINE,
                public_area=area,
                postcode=postcode,
                grid_easting=easting,
                grid_northing=northing,
                place_name="Community centre" if kind == Event.Kind.CANVASS else "",
                online_link="" if kind == Event.Kind.CANVASS else "https://meet.example.org/bench",
                published_at=now - timedelta(days=1),
            )
        )
    Event.objects.bulk_create(events, batch_size=BATCH)
    event_ids = [event.pk for event in events]

    pairs = set()
    while len(pairs) < min(signups, len(event_ids) * len(supporter_ids)):
        pairs.add((rng.choice(event_ids), rng.choice(supporter_ids)))
    Rsvp.objects.bulk_create(
        [
            Rsvp(
                event_id=event_id,
                supporter_id=supporter_id,
                first_name="Bench",
                status=Rsvp.Status.GOING if rng.random() < 0.9 else Rsvp.Status.WAITING,
            )
            for event_id, supporter_id in pairs
        ],
        batch_size=BATCH,
    )

    donors = max(donations // 2, 1)
    donor_rows = [Donor(email=f"{tag}-donor-{n}@example.org") for n in range(donors)]
    Donor.objects.bulk_create(donor_rows, batch_size=BATCH)
    donor_ids = [donor.pk for donor in donor_rows]
    donation_rows = []
    for n in range(donations):
        amount = rng.choice([500, 1_000, 2_500, 5_000])
        donation_rows.append(
            Donation(
                donor_id=rng.choice(donor_ids),
                amount_pence=amount,
                name=f"Donor {n}",
                email=f"{tag}-donor-{n % donors}@example.org",
                status=Donation.Status.RECEIVED,
                received_pence=amount,
                first_received_at=now - timedelta(days=rng.randint(1, 60)),
                check_status=Donation.Check.NOT_NEEDED,
            )
        )
    Donation.objects.bulk_create(donation_rows, batch_size=BATCH)
    Payment.objects.bulk_create(
        [
            Payment(
                donation=donation,
                stripe_key=f"pi_{tag}_{donation.pk}",
                stripe_payment_intent_id=f"pi_{tag}_{donation.pk}",
                amount_pence=donation.amount_pence,
                received_at=donation.first_received_at,
            )
            for donation in donation_rows
        ],
        batch_size=BATCH,
    )
    return {
        "supporters": Supporter.objects.count(),
        "sessions": Event.objects.count(),
        "sign-ups": Rsvp.objects.count(),
        "donations": Donation.objects.count(),
    }
