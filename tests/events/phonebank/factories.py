from datetime import timedelta

import factory
from django.utils import timezone

from events.phonebank.models import (
    CallAssignment,
    CallList,
    Contact,
    Script,
    ScriptStep,
)


def drama_number(n: int) -> str:
    """Ofcom's drama range: 07700 900000 to 07700 900999, never a real person."""
    return f"+447700900{n:03d}"


class ScriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Script

    name = factory.Sequence(lambda n: f"Script {n}")


class CallListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallList

    name = factory.Sequence(lambda n: f"Call list {n}")
    script = factory.SubFactory(ScriptFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    surname = "Example"
    phone = factory.Sequence(lambda n: drama_number(n % 1000))
    postcode = "DE22 1AA"
    consent_text = "The campaign may phone me about the election"
    consent_where = "street stall, Allestree"
    consent_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallAssignment

    call_list = factory.SubFactory(CallListFactory)
    contact = factory.SubFactory(ContactFactory)
    next_try_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    added_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))


def full_script(name: str = "Derby North script") -> Script:
    """Opening, privacy line, agreement, voting intention (political), volunteer question,
    note."""
    script = Script.objects.create(name=name)
    steps = [
        (ScriptStep.Kind.TEXT, "Hello, is that {first name}? I'm a volunteer.", "", [], False),
        (ScriptStep.Kind.TEXT, "We only use your answers for the campaign.", "", [], False),
        (ScriptStep.Kind.AGREEMENT, "May we note your answer?", "Agreement", [], False),
        (
            ScriptStep.Kind.SINGLE,
            "How do you plan to vote?",
            "Voting intention",
            [{"label": "Chris", "then": "next"}, {"label": "Someone else", "then": "next"}],
            True,
        ),
        (
            ScriptStep.Kind.MULTIPLE,
            "Could you help?",
            "Help",
            [
                {"label": "Leaflets", "then": "next"},
                {"label": "Phoning", "then": "next"},
                {"label": "No", "then": "end"},
            ],
            False,
        ),
        (ScriptStep.Kind.NOTE, "Anything else?", "Note", [], False),
    ]
    for position, (kind, text, label, options, political) in enumerate(steps, start=1):
        ScriptStep.objects.create(
            script=script,
            position=position,
            kind=kind,
            text=text,
            short_label=label,
            options=options,
            records_political_opinion=political,
        )
    return script


def steps_by_label(script: Script) -> dict[str, ScriptStep]:
    return {step.short_label: step for step in script.steps.all() if step.short_label}
