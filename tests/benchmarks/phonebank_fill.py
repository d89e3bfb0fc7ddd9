"""Fill a scratch database for `make bench-phonebank`: one phonebank session on now, its call
list of 50,000 contacts with the sample script, and 100 callers going to it. Run inside
Django (see phonebank.py). The numbers are never dialled: the database is thrown away."""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from events.models import Event, Rsvp
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import CallAssignment, Contact
from events.phonebank.services import call_list_create, phonebank_settings_update
from events.phonebank.tokens import caller_token
from tests.events.phonebank.factories import full_script
from volunteers.models import Supporter

CONTACTS = 50_000
CALLERS = 100
BATCH = 5_000
DISTRICTS = ["DE1", "DE21", "DE22", "DE23", "DE3", "DE24"]
NAMES = ["Priya", "Dev", "Margaret", "Tom", "Aisha", "Sam", "Jo", "Alex", "Chris", "Kim"]


@transaction.atomic
def fill(*, contacts: int = CONTACTS, callers: int = CALLERS) -> dict:
    now = timezone.now()
    hours = phonebank_settings_get()  # calling around the clock: the bench runs at any hour
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)
    session = Event.objects.create(
        kind=Event.Kind.PHONEBANK,
        title="Benchmark phonebank",
        slug="benchmark-phonebank",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=6),
        status=Event.Status.PUBLISHED,
        format=Event.Format.ONLINE,
        online_link="https://meet.example.org/bench",
    )
    script = full_script("Benchmark script")
    call_list = call_list_create(name="Benchmark list", script=script, sessions=[session])
    consent_at = now - timedelta(days=20)
    rows = [
        Contact(
            first_name=NAMES[n % len(NAMES)],
            surname="Bench",
            phone=f"+4474{n:08d}",
            postcode=f"{DISTRICTS[n % len(DISTRICTS)]} {n % 9 + 1}AB",
            consent_text="The campaign may phone me about the election",
            consent_where="street stall (benchmark)",
            consent_at=consent_at,
        )
        for n in range(contacts)
    ]
    Contact.objects.bulk_create(rows, batch_size=BATCH)
    CallAssignment.objects.bulk_create(
        [
            CallAssignment(
                call_list=call_list,
                contact=contact,
                # All at once, as an import or "add supporters" puts them on a list.
                next_try_at=now - timedelta(minutes=60),
                added_at=now - timedelta(minutes=60),
            )
            for contact in rows
        ],
        batch_size=BATCH,
    )
    supporters = Supporter.objects.bulk_create(
        [
            Supporter(email=f"caller{n}@bench.example.org", name=f"Caller {n}", source="rsvp")
            for n in range(callers)
        ]
    )
    rsvps = Rsvp.objects.bulk_create(
        [
            Rsvp(
                event=session,
                supporter=supporter,
                first_name=f"Caller{n}",
                status=Rsvp.Status.GOING,
                going_since=now - timedelta(days=1),
            )
            for n, supporter in enumerate(supporters)
        ]
    )
    steps = {step.short_label: step.pk for step in script.steps.all() if step.short_label}
    return {
        "contacts": contacts,
        "callers": [f"/events/calling/{caller_token(rsvp)}/" for rsvp in rsvps],
        "steps": steps,
    }


def served_twice() -> dict:
    """After the run: contacts put in front of more than one caller (must be none), and
    contacts shown more than once at all (a retried claim shows the same hold again)."""
    from django.db.models import Count

    from events.phonebank.models import CallRecord, NumberShown

    shown = NumberShown.objects.values("contact_id").annotate(
        callers=Count("caller_id", distinct=True), times=Count("pk")
    )
    return {
        "contacts_shown": shown.count(),
        "to_two_callers": shown.filter(callers__gt=1).count(),
        "shown_more_than_once": shown.filter(times__gt=1).count(),
        "recorded_twice": CallRecord.objects.values("contact_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "calls_recorded": CallRecord.objects.count(),
    }
