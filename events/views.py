from datetime import date
from typing import cast
from urllib.parse import urlencode

from django.forms import ChoiceField
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from campaign_site.core.pagecache import public_page
from campaign_site.core.ratelimit import RateLimit, ratelimit_hit
from campaign_site.core.selectors import campaign_sender
from campaign_site.core.sources import request_source_code
from events.emails import (
    event_public_where,
    my_sessions_path,
    rsvp_calling_url,
    rsvp_cancel_path,
)
from events.forms import RADIUS_MILES, MonthForm, MySessionsLinkForm, NearbyForm, RsvpForm
from events.geography import ATTRIBUTION, LICENCE_URL, Found, known_outward_codes_pattern
from events.ics import LONDON, calendar_build, google_calendar_url
from events.models import Event, Rsvp
from events.selectors import (
    calendar_month,
    calendar_upcoming,
    event_for_page,
    event_page_topic,
    feed_events,
    month_grid_near,
    rsvp_from_cancel_token,
    sessions_near,
    supporter_from_my_sessions_token,
    supporter_rsvp_by_uid,
    supporter_upcoming_rsvps,
)
from events.services import SignupClosed, my_sessions_link_request, rsvp_cancel, rsvp_create

# The query values worth caching a page for (others are rendered, never stored). A postcode
# is cached only as an outward code with a known centre ("DE22"): a full postcode, or the
# same code typed differently, is redirected to that form first, so no cache key and no
# later URL (history, shared links, Referer) holds more than the postcode's first half.
KIND_VALUES = "canvass|phonebank"
MONTH_VALUES = r"20\d\d-(0[1-9]|1[0-2])"
RADIUS_VALUES = "|".join(str(miles) for miles in RADIUS_MILES)
# Lists show places left, which every sign-up changes; a session's own page changes with its
# own sign-ups only (events.services.rsvps).
LIST_TOPICS = ("campaign", "events", "event-places")
RSVP_RATE = RateLimit(scope="rsvp", limit=10, window_seconds=600)
MY_SESSIONS_RATE = RateLimit(scope="my-sessions", limit=10, window_seconds=600)


@require_safe
@public_page(
    topics=LIST_TOPICS,
    query={
        "kind": KIND_VALUES,
        "month": MONTH_VALUES,
        "postcode": known_outward_codes_pattern(),
        "radius": RADIUS_VALUES,
    },
)
def calendar(request):
    form = MonthForm(request.GET)
    kind, month = "", ""
    if form.is_valid():
        kind, month = form.cleaned_data["kind"], form.cleaned_data["month"]
    search_form = NearbyForm(request.GET)
    place, radius = search_form.search()
    near = place if place and place.found is Found.PLACED else None
    today = timezone.localdate(timezone=LONDON)
    this_month = date(today.year, today.month, 1)
    first = date(int(month[:4]), int(month[5:]), 1) if month else None  # "2026-12"
    if place and place.outward and request.GET.get("postcode") != place.outward:
        return redirect(_calendar_url(kind, first, near=place.outward, radius=radius))

    def url(kind: str, month: date | None) -> str:
        return _calendar_url(kind, month, near=near.outward if near else "", radius=radius)

    context = {
        "my_sessions_form": MySessionsLinkForm(),
        "this_month": this_month,
        "kind": kind,
        "today": today,
        "this_month_url": url(kind, this_month),
        "upcoming_url": url(kind, None),
        "search": {
            "typed": search_form.cleaned_data.get("postcode", ""),
            "place": place,
            "near": near,
            "radius": radius,
            "radius_value": str(radius) if radius else "",
            "radius_choices": cast(ChoiceField, search_form.fields["radius"]).choices,
            "problem": place if place and not near else None,
            "malformed": bool(place and place.found is Found.MALFORMED),
            "clear_url": _calendar_url(kind, first),
            "any_distance_url": _calendar_url(kind, first, near=near.outward if near else ""),
            "attribution": ATTRIBUTION,
            "licence_url": LICENCE_URL,
        },
    }
    if near and near.point is not None:  # a placed search has its point
        found = sessions_near(point=near.point, radius_miles=radius, kind=kind or None, month=first)
        context["found"] = found
        shown = month_grid_near(first=first, found=found) if first else None
    elif first:
        shown = calendar_month(year=first.year, month=first.month, kind=kind or None)
        context["days"] = shown.days
    else:
        shown = None
        context["days"], context["more"] = calendar_upcoming(kind=kind or None)
    if shown:
        context.update(
            month=shown,
            month_is_past=shown.first < this_month,
            previous_url=url(kind, shown.previous) if shown.first > this_month else "",
            next_url=url(kind, shown.next),
        )
    context["kind_links"] = [
        (label, url(value, shown.first if shown else None), value == kind)
        for value, label in [("", "All sessions"), *Event.Kind.choices]
    ]
    return render(request, "events/calendar.html", context)


def _calendar_url(
    kind: str, month: date | None, *, near: str = "", radius: int | None = None
) -> str:
    query = {"kind": kind} if kind else {}
    if month:
        query["month"] = f"{month:%Y-%m}"
    if near:
        query["postcode"] = near
        if radius:
            query["radius"] = str(radius)
    return reverse("events:calendar") + (f"?{urlencode(query)}" if query else "")


@require_http_methods(["GET", "HEAD", "POST"])
@public_page(topics=lambda request, slug: ("campaign", "events", event_page_topic(slug)))
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
                source_code=request_source_code(request),
            )
        except SignupClosed:
            return redirect("events:detail", slug=slug)
        url = reverse("events:signed_up", args=[slug])
        if outcome.full:
            url += "?" + urlencode({"list": "waiting", "position": outcome.waiting_position})
        return redirect(url)
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
    position = request.GET.get("position", "")
    context = {
        "event": event,
        "waiting": waiting,
        "position": int(position) if waiting and position.isdigit() and len(position) < 6 else None,
    }
    return render(request, "events/signed_up.html", context)


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
        name=f"{label}: {campaign_sender().name}",  # the name its emails come from
    )
    return _ics_response(content, f"{kind or 'sessions'}.ics")


@require_safe
@public_page(topics=("campaign", "events"))  # the campaign is the ORGANIZER
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
    passed_on = False  # whether someone on the waiting list takes the place
    if request.method == "POST" and not done and not finished:
        passed_on = (
            rsvp.status == Rsvp.Status.GOING
            and event.rsvps.filter(status=Rsvp.Status.WAITING).exists()
        )
        rsvp_cancel(rsvp=rsvp)
        done = True
    context = {
        "event": event,
        "rsvp": rsvp,
        "done": done,
        "passed_on": passed_on,
        "finished": finished,
        "my_sessions_path": my_sessions_path(rsvp.supporter),
    }
    return render(request, "events/rsvp_cancel.html", context)


@never_cache
@require_safe
def my_sessions(request, token):
    """A person's own upcoming sessions, from the signed link in each session email."""
    supporter = supporter_from_my_sessions_token(token)
    if supporter is None:
        return render(request, "events/my_sessions.html", {"invalid": True}, status=404)
    sessions = []
    for rsvp in supporter_upcoming_rsvps(supporter=supporter):
        event, going = rsvp.event, rsvp.status == Rsvp.Status.GOING
        sessions.append(
            {
                "rsvp": rsvp,
                "event": event,
                "going": going,
                "where": event.private_location if going else event_public_where(event),
                "online_link": event.online_link if going and event.is_online else "",
                "calling_url": rsvp_calling_url(rsvp),
                "cancel_url": rsvp_cancel_path(rsvp),
                "ics_url": reverse("events:my_session_ics", args=[token, rsvp.uid]),
            }
        )
    context = {"supporter": supporter, "sessions": sessions}
    return render(request, "events/my_sessions.html", context)


@never_cache
@require_safe
def my_session_ics(request, token, uid):
    """The person's own calendar file for one session: the meeting point and joining link
    only with a place."""
    supporter = supporter_from_my_sessions_token(token)
    rsvp = supporter and supporter_rsvp_by_uid(supporter=supporter, uid=uid)
    if not rsvp or rsvp.status == Rsvp.Status.CANCELLED:
        raise Http404("No such sign-up")
    private = rsvp.status == Rsvp.Status.GOING
    response = HttpResponse(
        calendar_build([rsvp.event], private=private), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{rsvp.event.slug}.ics"'
    return response


# No CSRF check, as for the sign-up forms: the form is on the cached /events/ page, and a
# forged request can only send a person's own link to their own inbox, which the
# honeypot, the rate limit and the per-address cap already bound.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def my_sessions_request(request):
    """The "email me the link to my sessions" form. The answer, and the work done before
    it, are the same whether or not the address is known (the lookup is the workers');
    only a known address gets an email."""
    if request.method != "POST":
        return redirect(reverse("events:calendar") + "#my-sessions")
    form = MySessionsLinkForm(request.POST)
    context = {"form": form, "sent": False}
    if form.is_bot():
        context.update(sent=True, email=form.data.get("email", "")[:254])
        return render(request, "events/my_sessions_request.html", context)
    if ratelimit_hit(request=request, rate=MY_SESSIONS_RATE):
        form.is_valid()
        form.add_error(
            None,
            "Several requests have come from your connection just now. "
            f"Please try again in {MY_SESSIONS_RATE.window_minutes} minutes.",
        )
        return render(request, "events/my_sessions_request.html", context, status=429)
    if not form.is_valid():
        return render(request, "events/my_sessions_request.html", context)
    my_sessions_link_request(email=form.cleaned_data["email"])
    context.update(sent=True, email=form.cleaned_data["email"])
    return render(request, "events/my_sessions_request.html", context)
