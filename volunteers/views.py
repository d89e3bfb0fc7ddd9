from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from campaign_site.core.pagecache import public_page
from campaign_site.core.ratelimit import RateLimit, ratelimit_hit
from campaign_site.core.sources import request_source_code
from volunteers.consent import JOIN_BUTTON, JOIN_STATEMENT, PREFERENCES_STATEMENT
from volunteers.data_copy import supporter_data_copy
from volunteers.forms import JoinForm, PreferencesForm
from volunteers.models import Supporter
from volunteers.selectors import (
    DATA_COPY_MAX_AGE_SECONDS,
    consent_from_confirm_token,
    supporter_email_links,
    supporter_from_data_copy_token,
    supporter_from_preferences_token,
    supporter_from_unsubscribe_token,
    supporter_preferences_token,
    supporter_unsubscribe_token,
)
from volunteers.services import (
    consent_confirm,
    supporter_data_copy_send,
    supporter_erase,
    supporter_subscribe,
    supporter_unsubscribe,
    supporter_update_preferences,
)

# Generous: people at a meeting on one Wi-Fi, or on mobile networks behind shared
# addresses, may sign up from one IP address; a bot sends far more.
SIGNUP_RATE = RateLimit(scope="signup", limit=20, window_seconds=600)
RATE_LIMITED = (
    "You have signed up several times from this connection in the last few minutes. "
    "Please wait {minutes} minutes and try again."
)


# What the footer's "More choices" and the home page's "Add your name or postcode" buttons
# carry here (a GET of their own form), and the /join/?email=... they are moved to.
ALERT_FIELDS = ("wants_canvass_alerts", "wants_phonebank_alerts")
OTHER_FORMS = {"footer-": ("email",), "home-": ("email", *ALERT_FIELDS)}
# A person's address is never part of a cache key: any of these, given, renders the page
# for that visitor alone (a pattern nothing matches; see public_page).
NEVER_CACHED = r"(?!)"
TYPED_ELSEWHERE = {
    name: NEVER_CACHED
    for name in ["email", *ALERT_FIELDS]
    + [prefix + field for prefix, fields in OTHER_FORMS.items() for field in fields]
}


# No CSRF check: the form is in the footer of every (cacheable) page, and a forged
# sign-up can only send a confirmation email to an address, which the honeypot, the
# rate limit and double opt-in already cover.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@public_page(topics=("campaign",), query=TYPED_ELSEWHERE)
def join(request):
    form = JoinForm()
    if request.method == "GET":
        moved = _typed_on_another_form(request.GET)
        if moved:
            return redirect(f"{reverse('volunteers:join')}?{urlencode(moved)}")
        typed = {
            "email": request.GET.get("email", "")[:254],
            **{field: bool(request.GET.get(field)) for field in ALERT_FIELDS},
        }
        if any(typed.values()):
            response = _join_page(request, JoinForm(initial=typed), status=200)
            add_never_cache_headers(response)
            return response
    if request.method == "POST":
        footer = "footer-email" in request.POST
        form = _join_form_from(request.POST, footer=footer)
        if form.is_bot():
            return redirect("volunteers:join_thanks")
        if ratelimit_hit(request=request, rate=SIGNUP_RATE):
            return _join_page(request, form, status=429, limited=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                supporter_subscribe(
                    email=data["email"],
                    source=Supporter.Source.FOOTER if footer else Supporter.Source.JOIN,
                    page=_consent_page(request, footer=footer),
                    name=data["name"],
                    postcode=data["postcode"],
                    phone=data["phone"],
                    wants_updates=True,  # the button: "Join for campaign updates"
                    wants_canvass_alerts=data["wants_canvass_alerts"],
                    wants_phonebank_alerts=data["wants_phonebank_alerts"],
                    wants_phone_calls=data["wants_phone_calls"],
                    source_code=request_source_code(request),
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                return redirect("volunteers:join_thanks")
    return _join_page(request, form, status=200)


def _typed_on_another_form(query) -> dict[str, str]:
    """What was typed on the footer or home-page form, as /join/'s own query values."""
    for prefix, fields in OTHER_FORMS.items():
        if f"{prefix}email" in query:
            moved = {"email": query.get(f"{prefix}email", "")[:254]}
            moved.update({field: "on" for field in fields[1:] if query.get(prefix + field)})
            return moved
    return {}


def _join_form_from(post, *, footer: bool) -> JoinForm:
    if "home-email" in post:
        return JoinForm(post, prefix="home")
    if not footer:
        return JoinForm(post)
    # The footer form is email-only and means "campaign updates"; any error is shown on
    # the full form here, next to its field.
    return JoinForm(
        {"email": post.get("footer-email", ""), "website": post.get("footer-website", "")}
    )


def _consent_page(request, *, footer: bool) -> str:
    if footer:
        page = request.POST.get("footer-page", "")
        return f"footer of {page}" if page.startswith("/") else "footer"
    return "/ (home page)" if "home-email" in request.POST else request.path


def _join_page(request, form, *, status: int, limited: bool = False):
    return render(
        request,
        "volunteers/join.html",
        {
            "form": form,
            "statement": JOIN_STATEMENT,
            "button": JOIN_BUTTON,
            "rate_limited": RATE_LIMITED.format(minutes=SIGNUP_RATE.window_minutes)
            if limited
            else "",
        },
        status=status,
    )


def join_thanks(request):
    return render(request, "volunteers/join_thanks.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    try:
        consent = consent_from_confirm_token(token)
    except signing.SignatureExpired:
        return render(request, "volunteers/confirm_invalid.html", {"expired": True}, status=410)
    if consent is None:
        return render(request, "volunteers/confirm_invalid.html", status=404)
    if request.method == "POST" or consent.confirmed_at is not None:
        supporter = consent_confirm(consent=consent)
        return render(
            request,
            "volunteers/confirmed.html",
            {"supporter": supporter, **supporter_email_links(supporter)},
        )
    return render(request, "volunteers/confirm.html", {"consent": consent})


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request, token):
    supporter = supporter_from_preferences_token(token)
    if supporter is None:
        return render(request, "volunteers/link_invalid.html", status=404)
    initial = {
        "name": supporter.name,
        "postcode": supporter.postcode,
        "phone": supporter.phone,
        "wants_updates": supporter.is_subscribed and supporter.wants_updates,
        "wants_canvass_alerts": supporter.is_subscribed and supporter.wants_canvass_alerts,
        "wants_phonebank_alerts": supporter.is_subscribed and supporter.wants_phonebank_alerts,
        "wants_phone_calls": supporter.phone_consent_at is not None,
    }
    form, saved = PreferencesForm(initial=initial), False
    if request.method == "POST":
        form = PreferencesForm(request.POST, initial=initial)
        if form.is_valid():
            try:
                supporter = supporter_update_preferences(supporter=supporter, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form, saved = PreferencesForm(initial=_initial_for(supporter)), True
    return render(
        request,
        "volunteers/preferences.html",
        {
            "form": form,
            "supporter": supporter,
            "saved": saved,
            "token": token,
            "unsubscribe_token": supporter_unsubscribe_token(supporter),
            "statement": PREFERENCES_STATEMENT,
        },
    )


def _initial_for(supporter: Supporter) -> dict:
    return {
        "name": supporter.name,
        "postcode": supporter.postcode,
        "phone": supporter.phone,
        "wants_updates": supporter.wants_updates,
        "wants_canvass_alerts": supporter.wants_canvass_alerts,
        "wants_phonebank_alerts": supporter.wants_phonebank_alerts,
        "wants_phone_calls": supporter.phone_consent_at is not None,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def erase(request, token):
    supporter = supporter_from_preferences_token(token)
    if supporter is None:
        return render(request, "volunteers/link_invalid.html", status=404)
    if request.method == "POST":
        supporter_erase(supporter=supporter)
        return render(request, "volunteers/erased.html")
    return render(request, "volunteers/erase.html", {"token": token})


# RFC 8058: mail clients POST here with no cookie and no CSRF token ("one-click").
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    supporter = supporter_from_unsubscribe_token(token)
    if supporter is None:
        return render(request, "volunteers/link_invalid.html", status=404)
    if request.method == "POST":
        supporter = supporter_unsubscribe(supporter=supporter)
        # No preferences link in the answer to a mail provider's one-click request (RFC 8058):
        # that link opens the supporter's details and erasure. The page's own form gets it.
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        context = {} if one_click else {"preferences_url": _preferences_path(supporter)}
        return render(request, "volunteers/unsubscribed.html", context)
    return render(request, "volunteers/unsubscribe.html", {"supporter": supporter})


def _preferences_path(supporter) -> str:
    return reverse(
        "volunteers:preferences", kwargs={"token": supporter_preferences_token(supporter)}
    )


@never_cache
@require_http_methods(["POST"])
def data_copy_request(request, token):
    """From the preferences page: email me a link to a copy of my data."""
    supporter = supporter_from_preferences_token(token)
    if supporter is None:
        return render(request, "volunteers/link_invalid.html", status=404)
    supporter_data_copy_send(supporter=supporter)
    context = {"supporter": supporter, "token": token, "days": DATA_COPY_MAX_AGE_SECONDS // 86400}
    return render(request, "volunteers/data_copy_sent.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def data_copy(request, token):
    """The copy of everything held about a supporter, from the 7-day link in their email:
    a page to read, or `?format=json` to download."""
    try:
        supporter = supporter_from_data_copy_token(token)
    except signing.SignatureExpired:
        return render(request, "volunteers/data_copy_expired.html", status=410)
    if supporter is None:
        return render(request, "volunteers/link_invalid.html", status=404)
    copy = supporter_data_copy(supporter=supporter)
    if request.GET.get("format") == "json":
        response = JsonResponse(copy.as_json(), json_dumps_params={"indent": 2})
        stamp = timezone.localtime(copy.produced_at).strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
        return response
    return render(request, "volunteers/data_copy.html", {"copy": copy})
