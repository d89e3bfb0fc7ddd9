"""Demo phonebank content for `make run`: a sample script, and for each demo phonebank
session a call list of made-up people whose numbers are in Ofcom's drama range (07700
900000 to 07700 900999), so no real phone ever rings. Running it again adds nothing twice."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from campaign_site.core.selectors import campaign_settings_get
from events.ics import LONDON
from events.models import Event
from events.phonebank.models import Script, ScriptStep
from events.phonebank.services import call_list_create, script_save
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


def demo_script() -> Script:
    script = Script.objects.filter(name=SCRIPT_NAME).first()
    if script is not None:
        return script
    campaign = campaign_settings_get()
    candidate, seat = campaign.candidate_name, campaign.constituency
    steps = [
        (
            ScriptStep.Kind.TEXT,
            f"Hello, is that {{first name}}? I'm a volunteer with {candidate}'s campaign in "
            f"{seat}. You told us you were happy for us to call. Have you got two minutes?",
            "",
            [],
            False,
        ),
        (
            ScriptStep.Kind.TEXT,
            "We only use what you tell us for the campaign, and delete it after the election. "
            "If you'd rather we didn't call again, just say and we'll take your number off "
            "our list straight away. Our privacy notice is on the campaign website.",
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
    script = Script(name=SCRIPT_NAME)
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
    return added
