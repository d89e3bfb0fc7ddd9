"""The caller's screen, behind the caller's own signed link (one URL; every page never cached).

GET shows where the caller is (the how-to for a first-timer, the contact they hold, or a
"next call" button); POST acts (`action`: next, result, practice, change, done) and shows
the page that follows, so a reload re-sends nothing harmful: a claim returns the contact
already held, a result already saved says so.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from campaign_site.core.ratelimit import RateLimit, ratelimit_hit_for
from campaign_site.core.selectors import campaign_settings_get
from events.emails import event_when_text
from events.models import Event, Rsvp
from events.phonebank.caller_selectors import (
    caller_calls_tonight,
    caller_from_token,
    caller_has_called,
    caller_recent_results,
    record_answers_initial,
)
from events.phonebank.forms import CallForm
from events.phonebank.hours import (
    calling_window,
    phonebank_settings_get,
    when_text,
    window_closed_text,
    window_open_text,
)
from events.phonebank.models import CallResult, Script, ScriptStep
from events.phonebank.phones import phone_for_display
from events.phonebank.selectors import (
    caller_call_lists,
    caller_changeable_records,
    caller_current_hold,
    script_steps,
    session_open_call_lists,
)
from events.phonebank.services import (
    PhonebankError,
    caller_claim,
    caller_release_all,
    caller_result_correct,
    caller_result_save,
)

TEMPLATE = "events/phonebank/caller.html"
# A real call takes a minute or more; far faster claims are someone harvesting numbers.
CLAIM_RATE = RateLimit(scope="phonebank-claim", limit=40, window_seconds=600)
# A recent result for the same contact means a reload of the form that saved it.
ALREADY_SAVED_SECONDS = 600


@dataclass(frozen=True)
class PracticeContact:
    """The made-up person of the practice call (a number from Ofcom's drama range)."""

    first_name: str = "Alex"
    phone: str = "+447700900999"
    postcode_district: str = "DE22"


def _blocked(request, reason: str, event: Event | None = None, status: int = 403):
    context = {"mode": "blocked", "reason": reason, "event": event}
    return render(request, TEMPLATE, context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def caller_screen(request, token):
    caller = caller_from_token(token=token)
    if caller is None:
        return _blocked(request, "invalid", status=404)
    event = caller.event
    if event.kind != Event.Kind.PHONEBANK:
        return _blocked(request, "not_phonebank", event, status=404)
    # An annotation caller_from_token adds, which the model's type does not know.
    if caller.suspended:  # type: ignore[attr-defined]
        return _blocked(request, "suspended", event)
    if caller.status != Rsvp.Status.GOING:
        return _blocked(request, "not_going", event)
    if event.is_cancelled:
        return _blocked(request, "cancelled", event, status=200)
    screen = Screen(request, caller)
    return screen.post() if request.method == "POST" else screen.get()


class Screen:
    def __init__(self, request, caller: Rsvp):
        self.request = request
        self.caller = caller
        self.event = caller.event
        self.now = timezone.now()
        self.hours = phonebank_settings_get()
        self.window = calling_window(event=self.event, hours=self.hours, now=self.now)
        self.messages: list[str] = []
        self.errors: list[str] = []

    # Pages

    def render(self, mode: str, status: int = 200, **context):
        campaign = campaign_settings_get()
        base = {
            "campaign": campaign,
            "mode": mode,
            "event": self.event,
            "caller": self.caller,
            "window": self.window,
            "hours": self.hours,
            "opens_text": when_text(self.window.opens_at, now=self.now)
            if self.window.opens_at
            else "",
            "closes_text": window_open_text(self.window),
            "closed_text": window_closed_text(self.window),
            "organiser": _organiser(self.event, campaign),
            "when": event_when_text(self.event),
            "status_messages": self.messages,
            "error_messages": self.errors,
            "recent": self.recent(),
            "fill": {
                "your name": self.caller.first_name,
                "candidate": campaign.candidate_name,
                "constituency": campaign.constituency,
            },
        }
        base.update(context)
        if base.get("contact") is not None:
            base["fill"]["first name"] = base["contact"].first_name
        return render(self.request, TEMPLATE, base, status=status)

    def recent(self):
        return caller_recent_results(caller=self.caller)

    def get(self):
        view = self.request.GET.get("view", "")
        change = self.request.GET.get("change", "")
        hold = caller_current_hold(caller=self.caller)
        if not self.window.is_open:
            if hold is not None and self.window.can_save_results:
                return self.call_page(hold)
            if change and self.window.can_save_results:
                return self.change_page(change)
            return self.render("closed")
        if view == "howto":
            return self.howto_page(first_time=not caller_has_called(caller=self.caller))
        if view == "practice":
            return self.practice_page()
        if change:
            return self.change_page(change)
        if hold is not None:
            return self.call_page(hold)
        if not caller_has_called(caller=self.caller):
            return self.howto_page(first_time=True)
        return self.ready_page()

    def has_open_list(self) -> bool:
        # (caller_screen has turned a suspended caller away already)
        return session_open_call_lists(event_id=self.event.pk).exists()

    def howto_page(self, *, first_time: bool):
        return self.render("howto", first_time=first_time, has_list=self.has_open_list())

    def ready_page(self):
        if not self.has_open_list():
            return self.render("no_list")
        return self.render(
            "ready", calls_tonight=caller_calls_tonight(caller=self.caller, now=self.now)
        )

    def call_page(self, hold, form: CallForm | None = None):
        steps = _steps(hold.call_list.script_id)
        held_seconds = max(0, int((hold.held_until - self.now).total_seconds()))
        return self.render(
            "call",
            hold=hold,
            contact=hold.contact,
            phone_display=phone_for_display(hold.contact.phone),
            held_minutes=(held_seconds + 59) // 60,
            held_seconds=held_seconds,
            steps=steps,
            call_form=form or CallForm(steps=steps, now=self.now),
            result_choices=CallResult.choices,
        )

    def practice_script(self) -> Script | None:
        call_list = caller_call_lists(caller=self.caller).select_related("script").first()
        return call_list.script if call_list else None

    def practice_page(self, form: CallForm | None = None):
        script = self.practice_script()
        if script is None:
            return self.render("no_list")
        steps = script_steps(script=script)
        contact = PracticeContact(postcode_district=_district(self.event) or "DE22")
        return self.render(
            "practice",
            contact=contact,
            phone_display=phone_for_display(contact.phone),
            steps=steps,
            call_form=form or CallForm(steps=steps, now=self.now),
            result_choices=CallResult.choices,
            practice=True,
        )

    def change_page(self, record_id, form: CallForm | None = None):
        record = self.changeable(record_id)
        if record is None:
            self.errors.append("You can change only your own last three results.")
            return self.get_fallback()
        steps = _steps(record.call_list.script_id)
        if form is None:
            form = CallForm(
                steps=steps, now=self.now, initial=record_answers_initial(record=record)
            )
        return self.render(
            "change",
            record=record,
            contact=record.contact,
            steps=steps,
            call_form=form,
            result_choices=CallResult.choices,
        )

    def get_fallback(self):
        hold = caller_current_hold(caller=self.caller)
        if hold is not None and self.window.can_save_results:
            return self.call_page(hold)
        if not self.window.is_open:
            return self.render("closed")
        return self.ready_page()

    def changeable(self, record_id):
        for record in caller_changeable_records(caller=self.caller):
            if str(record.pk) == str(record_id):
                return record
        return None

    # Actions

    def post(self):
        action = self.request.POST.get("action", "")
        handler = {
            "next": self.claim,
            "result": self.save_result,
            "practice": self.practice,
            "change": self.change,
            "done": self.done,
        }.get(action)
        if handler is None:
            self.messages.append("Nothing was changed.")
            return self.get_fallback()
        return handler()

    def claim(self):
        # The person, whichever address or session link they come from.
        if ratelimit_hit_for(who=f"supporter:{self.caller.supporter_id}", rate=CLAIM_RATE):
            self.errors.append(
                "That is a lot of contacts in a few minutes, so we have paused new ones for "
                f"{CLAIM_RATE.window_minutes} minutes. If something is wrong, tell the organiser."
            )
            return self.get_fallback()
        try:
            hold = caller_claim(caller=self.caller, hours=self.hours, now=self.now)
        except PhonebankError as error:
            self.errors.append(str(error))
            return self.get_fallback()
        if hold is None:
            return self.render("empty")
        return self.call_page(hold)

    def save_result(self):
        hold = caller_current_hold(caller=self.caller)
        posted = self.request.POST.get("assignment", "")
        if hold is None or str(hold.pk) != posted:
            recent = caller_changeable_records(caller=self.caller)
            if (
                recent
                and str(recent[0].assignment_id) == posted
                and ((self.now - recent[0].recorded_at).total_seconds() < ALREADY_SAVED_SECONDS)
            ):
                self.messages.append(
                    f"Already saved: {recent[0].contact.first_name}, "
                    f"{recent[0].get_result_display()}."
                )
            else:
                self.errors.append(
                    "This contact is no longer with you (your 15 minutes ran out and another "
                    "caller has them, or they were taken off the list). Nothing was saved."
                )
            return self.get_fallback()
        steps = _steps(hold.call_list.script_id)
        form = CallForm(self.request.POST, steps=steps, now=self.now)
        if not form.is_valid():
            return self.call_page(hold, form)
        data = form.cleaned_data
        try:
            record = caller_result_save(
                caller=self.caller,
                assignment=hold,
                result=data["result"],
                answers=form.answers,
                callback_at=data.get("callback_at"),
                notes=data.get("notes") or "",
                volunteer_email=data.get("volunteer_email") or "",
                hours=self.hours,
                now=self.now,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.call_page(hold, form)
        except PhonebankError as error:
            self.errors.append(str(error))
            return self.get_fallback()
        self.messages.append(_saved_text(record, form))
        if data.get("volunteer_email"):
            self.messages.append(
                f"{record.contact.first_name} will get an email to confirm they want to hear "
                "from the campaign. Nothing happens unless they click it."
            )
        self.messages.extend(form.left_out)
        if not self.window.is_open:
            return self.render("closed")
        return self.ready_page()

    def practice(self):
        script = self.practice_script()
        if script is None:
            return self.render("no_list")
        steps = script_steps(script=script)
        form = CallForm(self.request.POST, steps=steps, now=self.now)
        if not form.is_valid():
            return self.practice_page(form)
        by_id = {step.pk: step for step in steps}
        summary = [
            (by_id[step_id].label, ", ".join(value) if isinstance(value, list) else value)
            for step_id, value in form.answers.items()
        ]
        return self.render(
            "practice_done",
            result_label=dict(CallResult.choices)[form.cleaned_data["result"]],
            callback_at=form.cleaned_data.get("callback_at"),
            summary=summary,
            left_out=form.left_out,
            volunteer_email=form.cleaned_data.get("volunteer_email"),
            notes=form.cleaned_data.get("notes"),
        )

    def change(self):
        record = self.changeable(self.request.POST.get("record", ""))
        if record is None:
            self.errors.append("You can change only your own last three results.")
            return self.get_fallback()
        steps = _steps(record.call_list.script_id)
        form = CallForm(self.request.POST, steps=steps, now=self.now)
        if not form.is_valid():
            return self.change_page(record.pk, form)
        try:
            record = caller_result_correct(
                caller=self.caller,
                record=record,
                result=form.cleaned_data["result"],
                answers=form.answers,
                notes=form.cleaned_data.get("notes") or "",
                callback_at=form.cleaned_data.get("callback_at"),
                hours=self.hours,
                now=self.now,
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.change_page(record.pk, form)
        except PhonebankError as error:
            self.errors.append(str(error))
            return self.get_fallback()
        self.messages.append(
            f"Changed: {record.contact.first_name}, now {record.get_result_display()}."
        )
        self.messages.extend(form.left_out)
        return self.get_fallback()

    def done(self):
        released = caller_release_all(caller=self.caller, now=self.now)
        return self.render("done", released=released)


def _saved_text(record, form) -> str:
    text = f"Saved: {record.contact.first_name}, {record.get_result_display()}"
    if record.callback_at:
        text += f" (call back {when_text(record.callback_at, now=timezone.now())})"
    return text + "."


def _steps(script_id: int) -> list[ScriptStep]:
    return list(ScriptStep.objects.filter(script_id=script_id).order_by("position"))


def _district(event: Event) -> str:
    return event.postcode.split(" ")[0] if event.postcode else ""


def _organiser(event: Event, campaign) -> dict:
    """Whom a caller tells about abuse or a problem: the session's contact, else the
    campaign's address."""
    return {
        "name": event.contact_name,
        "phone": event.contact_phone,
        "email": event.contact_email or campaign.contact_email,
    }
