import hashlib
import logging
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from campaign_site.core.pagecache import per_visitor_value, public_page
from campaign_site.core.ratelimit import RateLimit, ratelimit_hit
from campaign_site.core.sources import request_source_code
from donations import stripe_gateway
from donations.forms import DonateForm
from donations.models import Donation
from donations.permissibility import PERMISSIBILITY_THRESHOLD_PENCE
from donations.selectors import donation_settings_get
from donations.services import (
    donation_checkout_start,
    donation_create,
    donation_monthly_stop,
    donation_refresh_from_stripe,
    stripe_event_apply,
)
from donations.tokens import stop_monthly_token_read
from volunteers.models import Supporter, normalise_email
from volunteers.services import supporter_subscribe

logger = logging.getLogger(__name__)

# Only Checkout starts count (a form sent back with mistakes costs nothing). One person (an
# address and an email) is slowed after a few starts; a whole address, which at a rally or
# on a mobile network is thousands of phones, only after very many.
DONATE_PERSON_RATE = RateLimit(scope="donate-person", limit=5, window_seconds=600)
DONATE_ADDRESS_RATE = RateLimit(scope="donate-address", limit=300, window_seconds=600)
SESSION_KEY = "donations:recent"
THANKS_REFRESH_FOR = timedelta(minutes=15)


@never_cache
@require_http_methods(["GET", "POST"])
@public_page(topics=("campaign", "donations"), query={"cancelled": "1"})
def donate(request):
    if not stripe_gateway.stripe_configured():
        return render(request, "donations/not_set_up.html")
    limits = donation_settings_get()
    context = {
        "threshold_pence": PERMISSIBILITY_THRESHOLD_PENCE,
        "cancelled": request.GET.get("cancelled") == "1",
    }
    if request.method != "POST":
        form = DonateForm(limits=limits)
        # Each visitor gets their own one-use token, also when the page comes from the cache.
        form.fields["form_token"].initial = per_visitor_value(request, "form-token")
        return render(request, "donations/donate.html", {**context, "form": form})

    form = DonateForm(request.POST, limits=limits)
    if form.is_bot():  # nothing is stored and no Checkout Session is made
        return HttpResponseRedirect(request.path, status=303)
    if not form.is_valid():
        return render(request, "donations/donate.html", {**context, "form": form}, status=400)
    paused = checkout_start_paused(request, form)
    if paused:
        form.add_error(None, paused)
        return render(request, "donations/donate.html", {**context, "form": form}, status=429)
    gift = replace(form.gift(), source_code=request_source_code(request))
    donation, created = donation_create(gift=gift)
    if created and form.cleaned_data["join_list"]:
        try:
            supporter_subscribe(
                email=donation.email,
                name=donation.name,
                source=Supporter.Source.DONATION,
                page=request.path,
                source_code=request_source_code(request),
            )
        except ValidationError:
            logger.info("Mailing-list sign-up from the donate form refused")
    try:
        url = donation_checkout_start(donation=donation, return_base_url=settings.SITE_URL)
    except stripe_gateway.PaymentProviderError as exc:
        form.add_error(None, exc.donor_message)
        return render(request, "donations/donate.html", {**context, "form": form}, status=502)
    recent = [pk for pk in request.session.get(SESSION_KEY, []) if pk != donation.pk]
    request.session[SESSION_KEY] = [*recent[-4:], donation.pk]
    return HttpResponseRedirect(url, status=303)


def checkout_start_paused(request, form: DonateForm) -> str:
    """Count a new Checkout start against the donor and their address; the reason it is
    paused, or "" to go ahead. The same form sent again (a double click) starts nothing
    new and is not counted."""
    gift = form.gift()
    email = normalise_email(gift.email)
    if Donation.objects.filter(
        form_token=gift.form_token,
        status=Donation.Status.PENDING,
        kind=gift.kind,
        amount_pence=gift.amount_pence,
        email=email,
    ).exists():
        return ""
    person = replace(
        DONATE_PERSON_RATE,
        scope=f"{DONATE_PERSON_RATE.scope}:{hashlib.sha256(email.encode()).hexdigest()[:32]}",
    )
    if ratelimit_hit(request=request, rate=person):
        return (
            "You've started several payments in the last few minutes, so we've paused the "
            "form for you. Nothing has been charged. Please try again in "
            f"{DONATE_PERSON_RATE.window_minutes} minutes."
        )
    if ratelimit_hit(request=request, rate=DONATE_ADDRESS_RATE):
        return (
            "So many people are giving from your network right now that we've paused the "
            "form for a few minutes. Nothing has been charged. Please try again in "
            f"{DONATE_ADDRESS_RATE.window_minutes} minutes, or over another connection "
            "(mobile data or wifi)."
        )
    return ""


@never_cache
def thanks(request):
    """Thank the donor for the gift started in this browser, with its state from our
    database (never from the query string)."""
    recent = request.session.get(SESSION_KEY, [])
    donation = Donation.objects.filter(pk__in=recent).order_by("-created_at").first()
    if donation is not None and stripe_gateway.stripe_configured():
        donation = donation_refresh_from_stripe(donation=donation)
    # While Stripe has not confirmed yet, the page looks again by itself, for a while.
    refresh = (
        donation is not None
        and donation.status == Donation.Status.PENDING
        and donation.created_at > timezone.now() - THANKS_REFRESH_FOR
    )
    return render(request, "donations/thanks.html", {"donation": donation, "refresh": refresh})


@never_cache
@require_http_methods(["GET", "POST"])
def stop_monthly(request, token: str):
    donation_id = stop_monthly_token_read(token=token)
    donation = (
        Donation.objects.filter(pk=donation_id, kind=Donation.Kind.MONTHLY).first()
        if donation_id
        else None
    )
    if donation is None:
        raise Http404("This link is not valid.")
    error = ""
    if request.method == "POST" and donation.stopped_at is None:
        try:
            donation = donation_monthly_stop(donation_id=donation.pk)
        except stripe_gateway.PaymentProviderError as exc:
            error = exc.donor_message
    return render(
        request,
        "donations/stop_monthly.html",
        {
            "donation": donation,
            "error": error,
            "ends_on": donation_settings_get().monthly_end_date,
        },
        status=502 if error else 200,
    )


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Verify, record, apply, answer. 2xx only once the change is committed; a bad
    signature is 400 (nothing stored); an error while applying is 500 so Stripe retries."""
    if not stripe_gateway.stripe_configured():
        return HttpResponse("Donations are not set up.", status=400, content_type="text/plain")
    try:
        event = stripe_gateway.webhook_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except stripe_gateway.WebhookSignatureInvalid as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    try:
        applied = stripe_event_apply(event=event)
    except Exception:
        logger.exception("Stripe event %s (%s) failed; Stripe will retry", event.id, event.type)
        return HttpResponse("Not processed.", status=500, content_type="text/plain")
    return HttpResponse(
        "Applied." if applied else "Already applied.", status=200, content_type="text/plain"
    )
