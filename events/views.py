from datetime import date
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from campaign_site.core.pagecache import public_page
from campaign_site.core.ratelimit import RateLimit, ratelimit_hit
from campaign_site.core.selectors import campaign_settings_get
from events.forms import MonthForm, RsvpForm
from events.ics import LONDON, calendar_build, google_calendar_url
from events.models import Event, Rsvp
from events.selectors import (
    calendar_month,
    calendar_upcoming,
    event_for_page,
    feed_events,
    rsvp_from_cancel_token,
)
from events.services import SignupClosed, rsvp_cancel, rsvp_create

# The query values worth caching a page for (others are rendered, never stored).
KIND_VALUES = "canvass|phonebank"
MONTH_VALUES = r"20\d\d-(0[1-9]|1[0-2])"
RSVP_RATE = RateLimit(scope="rsvp", limit=10, window_seconds=600)


@require_safe
@public_page(topics=("campaign", "events"), query={"kind": KIND_VALUES, "month": MONTH_VALUES})
def calendar(request):
    form = MonthForm(request.GET)
    kind, month = "", ""
    if form.is_valid():
        kind, month = form.cleaned_data["kind"], form.cleaned_data["month"]
    today = timezone.localdate(timezone=LONDON)
    this_month = date(today.year, today.month, 1)
    context = {
        "this_month": this_month,
        "kind": kind,
        "today": today,
        "this_month_url": _calendar_url(kind, this_month),
        "upcoming_url": _calendar_url(kind, None),
    }
    if month:
        year, number = (int(part) for part in month.split("-"))
        shown = calendar_month(year=year, month=number, kind=kind or None)
        context.update(
            month=shown,
            days=shown.days,
            previous_url=_calendar_url(kind, shown.previous) if shown.first > this_month else "",
            next_url=_calendar_url(kind, shown.next),
        )
    else:
        shown = None
        context["days"], context["more"] = calendar_upcoming(kind=kind or None)
    context["kind_links"] = [
        (label, _calendar_url(value, shown.first if shown else None), value == kind)
        for value, label in [("", "All sessions"), *Event.Kind.choices]
    ]
    return render(request, "events/calendar.html", context)


def _calendar_url(kind: str, month: date | None) -> str:
    query = {key: value for key, value in [("kind", kind), ("month", month)] if value}
    if month:
        query["month"] = f"{month:%Y-%m}"
    return reverse("events:calendar") + (f"?{urlencode(query)}" if query else "")


@require_http_methods(["GET", "HEAD", "POST"])
@public_page(topics=("campaign", "events"))
def detail(request, slug):
    event = event_for_page(slug=slug)
    if event is None:
        raise Http404("No such session")
    open_for_signup = event.is_published and not event.has_ended()
    form = RsvpForm(request.POST if request.method == "POST" and open_for_signup else None)
    if form.is_bound and form.is_bot():  # looks done; nothing is stored
        return redirect("events:signed_up", slug=slug)
    limited = form.is_bound and ratelimit_hit(request=request, rate=RSVP_RATE)
    if limited:
        form.add_error(
            None,
            "Too many sign-ups have come from your connection just now. "
            f"Please try again in {RSVP_RATE.window_minutes} minutes.",
        )
    elif form.is_bound and form.is_valid():
        try:
            outcome = rsvp_create(
                event=event,
                first_name=form.cleaned_data["first_name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                join_mailing_list=form.cleaned_data["join_mailing_list"],
                wants_phone_calls=form.cleaned_data["wants_phone_calls"],
                page=request.path,
            )
        except SignupClosed:
            return redirect("events:detail", slug=slug)
        url = reverse("events:signed_up", args=[slug])
        return redirect(f"{url}?list=waiting" if outcome.full else url)
    context = {
        "event": event,
        "form": form,
        "open_for_signup": open_for_signup,
        "google_calendar_url": google_calendar_url(event),
    }
    return render(request, "events/event_detail.html", context, status=429 if limited else 200)


@require_safe
def signed_up(request, slug):
    event = event_for_page(slug=slug)
    if event is None:
        raise Http404("No such session")
    waiting = request.GET.get("list") == "waiting"
    return render(request, "events/signed_up.html", {"event": event, "waiting": waiting})


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@public_page(topics=("campaign", "events"), query={"kind": KIND_VALUES})
def feed_ics(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in Event.Kind.values else ""
    label = dict(Event.Kind.choices).get(kind, "Canvassing and phonebanks")
    content = calendar_build(
        feed_events(kind=kind or None),
        private=False,
        name=f"{label}: {campaign_settings_get().candidate_name}",
    )
    return _ics_response(content, f"{kind or 'sessions'}.ics")


@require_safe
@public_page(topics=("events",))
def detail_ics(request, slug):
    event = event_for_page(slug=slug)
    if event is None:
        raise Http404("No such session")
    return _ics_response(calendar_build([event], private=False), f"{event.slug}.ics")


# It names the session a person is going to, a political opinion: no cache may keep it.
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rsvp_cancel_view(request, token):
    rsvp = rsvp_from_cancel_token(token=token)
    if rsvp is None:
        return render(request, "events/rsvp_cancel.html", {"invalid": True}, status=404)
    event = rsvp.event
    finished = event.has_ended()
    done = rsvp.status == Rsvp.Status.CANCELLED
    if request.method == "POST" and not done and not finished:
        rsvp_cancel(rsvp=rsvp)
        done = True
    context = {"event": event, "rsvp": rsvp, "done": done, "finished": finished}
    return render(request, "events/rsvp_cancel.html", context)
