"""Demo phonebank content for `make run`: a sample script, and for each demo phonebank
session a call list of made-up people whose numbers are in Ofcom's drama range (07700
900000 to 07700 900999), so no real phone ever rings. The first session also gets a
screened constituents' list (landlines in the drama range 01632 960000 to 960999, from
"demo doorstep records") with demo TPS and Corporate TPS files that hold some of them: those
are never served. Running it again adds nothing twice (the demo files are loaded again only
once they are too old to serve the list)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from campaign_site.core.selectors import campaign_settings_get
from events.ics import LONDON
from events.models import Event
from events.phonebank.models import CallList, ScreeningFile, Script, ScriptStep
from events.phonebank.screening import screening_status
from events.phonebank.services import call_list_create, screening_file_load, script_save
from events.phonebank.services.lists import assignments_add, contacts_for_numbers
from volunteers.consent import PHONE_CALLS_LABEL

SCRIPT_NAME = "Sample script: introduce Chris, voting intention, volunteering"
CONTACTS_PER_LIST = 20
FIRST_NAMES = [
    "Amara", "Brian", "Chloe", "Declan", "Esther", "Farid", "Grace", "Harpreet", "Isla",
    "Jamal", "Katie", "Liam", "Maryam", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Stuart",
    "Tomasz", "Una", "Vikram", "Wendy", "Yusuf", "Zara",
]  # fmt: skip
SURNAMES = ["Ahmed", "Brown", "Clarke", "Dhillon", "Evans", "Fletcher", "Gill", "Hughes"]
DISTRICTS = ["DE22 1AA", "DE22 2EY", "DE21 4LX", "DE3 9AB", "DE22 4BG", "DE21 2HZ"]
PLACES = ["street stall, Allestree", "doorstep, Chaddesden", "street stall, Darley Abbey"]
CONSTITUENTS_SCRIPT_NAME = "Sample script for constituents: introduce Chris, voting intention"
CONSTITUENTS = 20
# Of the constituents' numbers 01632 960000 + n: on the demo TPS file, and on the CTPS one.
ON_TPS = (1, 5, 9, 13)
ON_CTPS = (17,)


def demo_script(*, constituents: bool = False) -> Script:
    name = CONSTITUENTS_SCRIPT_NAME if constituents else SCRIPT_NAME
    script = Script.objects.filter(name=name).first()
    if script is not None:
        return script
    campaign = campaign_settings_get()
    candidate, seat = campaign.candidate_name, campaign.constituency
    why = (
        "We're ringing people across the constituency before the election."
        if constituents
        else "You told us you were happy for us to call."
    )
    where = (
        "We have your number from our own records of talking to people on the doorstep. "
        if constituents
        else ""
    )
    steps = [
        (
            ScriptStep.Kind.TEXT,
            f"Hello, is that {{first name}}? I'm a volunteer with {candidate}'s campaign in "
            f"{seat}. {why} Have you got two minutes?",
            "",
            [],
            False,
        ),
        (
            ScriptStep.Kind.TEXT,
            f"{where}We only use what you tell us for the campaign, and delete it after the "
            "election. If you'd rather we didn't call again, just say and we'll take your "
            "number off our list straight away. Our privacy notice is on the campaign website.",
            "",
            [],
            False,
        ),
        (
            ScriptStep.Kind.AGREEMENT,
            "Before I ask how you might vote: may we note your answer? It is kept apart and "
            "deleted first. No is absolutely fine.",
            "May we note it",
            [],
            False,
        ),
        (
            ScriptStep.Kind.SINGLE,
            "If the election were tomorrow, how would you vote?",
            "Voting intention",
            [
                {"label": candidate, "then": "next"},
                {"label": "Another candidate", "then": "next"},
                {"label": "Undecided", "then": "next"},
                {"label": "Would rather not say", "then": "next"},
            ],
            True,
        ),
        (
            ScriptStep.Kind.MULTIPLE,
            "Would you like to help the campaign?",
            "Volunteering",
            [
                {"label": "Deliver leaflets", "then": "next"},
                {"label": "Phone voters", "then": "next"},
                {"label": "Knock on doors", "then": "next"},
                {"label": "Put up a poster", "then": "next"},
                {"label": "Not now", "then": "step:7"},
            ],
            False,
        ),
        (
            ScriptStep.Kind.NOTE,
            "Anything the organisers should know (a good time to call, access needs)?",
            "Note",
            [],
            False,
        ),
        (ScriptStep.Kind.TEXT, "Thank you, {first name}. Have a good evening!", "", [], False),
    ]
    script = Script(name=name)
    return script_save(
        script=script,
        steps=[
            ScriptStep(
                position=position,
                kind=kind,
                text=text,
                short_label=label,
                options=options,
                records_political_opinion=political,
            )
            for position, (kind, text, label, options, political) in enumerate(steps, start=1)
        ],
    )


@transaction.atomic
def phonebank_demo_add(*, now: datetime | None = None) -> int:
    """A call list for every phonebank session that has none. Returns lists added."""
    now = now or timezone.now()
    script = demo_script()
    added = 0
    sessions = Event.objects.filter(kind=Event.Kind.PHONEBANK, call_lists__isnull=True)
    for index, session in enumerate(sessions.order_by("starts_at", "pk")):
        call_list = call_list_create(
            name=f"Demo calls: {session.title} {timezone.localtime(session.starts_at):%d %b}",
            script=script,
            sessions=[session],
        )
        first = (index * CONTACTS_PER_LIST) % 1000
        rows = []
        for n in range(CONTACTS_PER_LIST):
            number = (first + n) % 1000
            agreed = timezone.localdate(now, timezone=LONDON) - timedelta(days=3 + number % 20)
            rows.append(
                {
                    "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                    "surname": SURNAMES[number % len(SURNAMES)],
                    "phone": f"+447700900{number:03d}",
                    "postcode": DISTRICTS[number % len(DISTRICTS)],
                    "consent_text": PHONE_CALLS_LABEL,
                    "consent_where": PLACES[number % len(PLACES)],
                    "consent_at": datetime.combine(agreed, time(12), tzinfo=LONDON),
                }
            )
        contacts = contacts_for_numbers(rows=rows, now=now)
        assignments_add(call_list=call_list, contacts=contacts, now=now)
        added += 1
    first_session = Event.objects.filter(kind=Event.Kind.PHONEBANK).order_by("starts_at", "pk")
    if first_session.exists() and not CallList.objects.filter(basis=CallList.Basis.SCREENED):
        _constituents_add(session=first_session[0], now=now)
        added += 1
    if not screening_status(now=now).is_fresh:
        _demo_screening_files_load(now=now)
    return added


def _constituents_add(*, session: Event, now: datetime) -> CallList:
    """Constituents from "our doorstep records": no consent, screened against the TPS."""
    call_list = call_list_create(
        name=f"Demo constituents: {session.title}",
        script=demo_script(constituents=True),
        sessions=[session],
        basis=CallList.Basis.SCREENED,
    )
    rows = [
        {
            "first_name": FIRST_NAMES[(n + 7) % len(FIRST_NAMES)],
            "surname": SURNAMES[(n + 3) % len(SURNAMES)],
            "phone": f"+441632960{n:03d}",
            "postcode": DISTRICTS[n % len(DISTRICTS)],
            "source": "Demo doorstep records",
            "source_date": timezone.localdate(now, timezone=LONDON) - timedelta(days=30),
        }
        for n in range(CONSTITUENTS)
    ]
    contacts = contacts_for_numbers(rows=rows, now=now)
    assignments_add(call_list=call_list, contacts=contacts, now=now)
    return call_list


def _demo_screening_files_load(*, now: datetime) -> None:
    """Demo TPS and CTPS files: a few of the constituents' numbers among others."""
    others = [f"01632 960{n:03d}" for n in range(900, 910)]
    screening_file_load(
        kind=ScreeningFile.Kind.TPS,
        lines=[f"01632 960{n:03d}" for n in ON_TPS] + others + ["", "demo file: not a number"],
        filename="demo-tps.txt",
        now=now,
    )
    screening_file_load(
        kind=ScreeningFile.Kind.CTPS,
        lines=[f"01632 960{n:03d}" for n in ON_CTPS],
        filename="demo-ctps.txt",
        now=now,
    )
