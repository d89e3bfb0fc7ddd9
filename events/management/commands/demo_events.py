"""Demo sessions for `make run`: canvassing around Derby North and phonebanks.

Idempotent: a session whose slug exists is left alone. Only invented people, with
example.org addresses, sign up. Each phonebank gets a demo call list (events/phonebank/demo.py).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaign_site.core.demo import demo_logging_quiet
from campaign_site.core.words import count_of
from events.ics import LONDON
from events.models import Event, Rsvp
from events.phonebank.demo import phonebank_demo_add
from events.services import event_create, event_publish, rsvp_create

CANVASSES = [
    ("Allestree", "Allestree, DE22", "Allestree Park car park", "Duffield Road", "DE22 2EY"),
    (
        "Darley Abbey",
        "Darley Abbey, DE22",
        "Darley Abbey Mills courtyard",
        "Haslams Lane",
        "DE22 1DZ",
    ),
    ("Chaddesden", "Chaddesden, DE21", "Chaddesden Park, Wood Road gates", "Wood Road", "DE21 4LX"),
    ("Mackworth", "Mackworth, DE22", "Mackworth library", "Prince Charles Avenue", "DE22 4BG"),
    ("Oakwood", "Oakwood, DE21", "Oakwood district centre", "Holly Brook Way", "DE21 2HZ"),
]
DESCRIPTION = (
    "We knock on doors in pairs and talk to people about why Chris is standing. "
    "First time? You will be with someone experienced, and we start with a short briefing."
    "\n\nWe finish with a cup of tea nearby for anyone who wants one."
)
PHONEBANK_DESCRIPTION = (
    "Call voters in Derby North from wherever you are. We start with a 15-minute briefing "
    "and a script; experienced callers stay on hand the whole evening."
    "\n\nYou need a phone and a laptop or tablet for the calling sheet."
)
VOLUNTEERS = ["Aisha", "Ben", "Ciara", "Dev", "Ellie", "Femi", "Gareth", "Hana", "Ivan", "Jess"]


# Nobody canvasses or phones voters on Christmas Eve, Christmas Day, Boxing Day, New Year's
# Eve or New Year's Day: the demo leaves those days out.
HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}


def _at(day, hour, minute=0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


@dataclass(frozen=True)
class DemoSession:
    starts_at: datetime
    kind: str
    area: tuple = ()
    capacity: int | None = None
    public: bool = False
    online: bool = False


def demo_schedule(today: date) -> list[DemoSession]:
    """Four weeks from the next Saturday: canvassing on Saturdays and Sundays, phonebanks on
    Tuesday and Thursday evenings, none on a holiday."""
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    sessions = []
    for week in range(4):
        sat = saturday + timedelta(weeks=week)
        area = CANVASSES[week % len(CANVASSES)]
        other = CANVASSES[(week + 2) % len(CANVASSES)]
        sessions += [
            DemoSession(_at(sat, 10), "canvass", area, capacity=12, public=week % 2 == 0),
            DemoSession(_at(sat + timedelta(days=1), 11), "canvass", other),
            DemoSession(_at(sat + timedelta(days=3), 18, 30), "phonebank", online=True),
            DemoSession(_at(sat + timedelta(days=5), 18, 30), "phonebank", online=week % 2 == 1),
        ]
    return [s for s in sessions if (s.starts_at.month, s.starts_at.day) not in HOLIDAYS]


class Command(BaseCommand):
    help = "Add demo canvassing sessions and phonebanks for the next four weeks."

    def handle(self, *args, **options):
        created = 0
        with demo_logging_quiet(verbosity=options["verbosity"]):
            for session in demo_schedule(timezone.localdate(timezone=LONDON)):
                if session.kind == "canvass":
                    created += self._canvass(
                        session.area,
                        session.starts_at,
                        capacity=session.capacity,
                        public=session.public,
                    )
                else:
                    created += self._phonebank(session.starts_at, online=session.online)
        published = Event.objects.published().upcoming().count()
        going = (
            Rsvp.objects.filter(status=Rsvp.Status.GOING, event__ends_at__gt=timezone.now())
            .filter(supporter__email__endswith=".demo@example.org")
            .count()
        )
        self.stdout.write(
            f"Demo sessions: {created} added ({published} upcoming on the calendar, "
            f"{count_of(going, 'place')} taken by demo volunteers)"
        )
        with demo_logging_quiet(verbosity=options["verbosity"]):
            lists = phonebank_demo_add()
        self.stdout.write(f"Demo call lists (made-up people, drama-range numbers): {lists} added")

    @transaction.atomic
    def _canvass(self, area, starts_at, *, capacity, public=False) -> int:
        name, public_area, place, street, postcode = area
        slug = f"canvassing-{name.lower().replace(' ', '-')}-{starts_at:%Y-%m-%d}"
        if Event.objects.filter(slug=slug).exists():
            return 0
        event = event_create(
            event=Event(
                kind=Event.Kind.CANVASS,
                title=f"Canvassing in {name}",
                slug=slug,
                description=DESCRIPTION,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2, minutes=30),
                what_to_bring="Comfortable shoes and a coat. We bring leaflets and clipboards.",
                accessibility="Mostly level streets; tell the organiser if you would "
                "rather stay on flat ground or do a shorter stint.",
                capacity=capacity,
                public_area=public_area,
                place_name=place,
                address=f"{street}, Derby",
                postcode=postcode,
                location_is_public=public,
                contact_name="Campaign office",
                contact_phone="01332 000000",
            )
        )
        self._publish_with_signups(event, 8 if capacity else 5)
        return 1

    @transaction.atomic
    def _phonebank(self, starts_at, *, online) -> int:
        slug = f"phonebank-{starts_at:%Y-%m-%d}"
        if Event.objects.filter(slug=slug).exists():
            return 0
        where = {
            "format": Event.Format.ONLINE,
            "online_link": "https://meet.example.org/derby-north-phonebank",
        }
        if not online:
            where = {
                "place_name": "Campaign office",
                "address": "Kedleston Road, Derby",
                "postcode": "DE22 1GB",
                "public_area": "Derby city centre",
                "location_is_public": True,
            }
        event = event_create(
            event=Event(
                kind=Event.Kind.PHONEBANK,
                title="Evening phonebank" + ("" if online else " at the campaign office"),
                slug=slug,
                description=PHONEBANK_DESCRIPTION,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                what_to_bring="A charged phone, and headphones if you have them.",
                accessibility="Online: join from anywhere. Office: step-free access.",
                capacity=20 if online else 6,
                contact_name="Campaign office",
                **where,
            )
        )
        self._publish_with_signups(event, 6)
        return 1

    def _publish_with_signups(self, event: Event, count: int) -> None:
        event_publish(event=event)
        event.refresh_from_db()
        for index in range(count):
            name = VOLUNTEERS[(index + event.pk) % len(VOLUNTEERS)]
            rsvp_create(event=event, first_name=name, email=f"{name.lower()}.demo@example.org")
