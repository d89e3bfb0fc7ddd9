"""What still needs doing before the site is ready for the public, for the admin home."""

from django.conf import settings
from django.utils import timezone

from campaign_site.core.models import CampaignSettings
from campaign_site.core.seed import CAMPAIGN
from campaign_site.core.selectors import campaign_sender
from campaign_site.core.sweeps import BEAT_LATE_AFTER, beat_last_run


def setup_problems() -> list[str]:
    """How the site is running, where that is not fit for the public. Production refuses to
    start without PostgreSQL, Redis and its address unless debug or SINGLE_PROCESS allows it,
    so these two cover every such case; every member of staff sees them."""
    problems = []
    if settings.DEBUG:
        problems.append(
            "Debug is on (DJANGO_DEBUG): error pages show the site's internals. Turn it off "
            "before the public sees the site."
        )
    if settings.SINGLE_PROCESS:
        problems.append(
            "This is a one-process demo (SINGLE_PROCESS): emails are sent inside each request "
            "and nothing is shared between processes. Set DATABASE_URL, REDIS_URL and SITE_URL, "
            "run a Celery worker and beat, and remove SINGLE_PROCESS before going live."
        )
    return problems


def beat_stopped_problem() -> str | None:
    """Where workers and beat run the tasks (REDIS_URL set) and beat's every-minute sweep has
    not run for BEAT_LATE_AFTER: reminders, alerts and email retries are not going out."""
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.RUN_SWEEPS_IN_PROCESS:
        return None
    last_run = beat_last_run()
    if last_run and timezone.now() - last_run <= BEAT_LATE_AFTER:
        return None
    since = (
        f"last ran at {timezone.localtime(last_run):%H:%M on %-d %b}, more than "
        f"{int(BEAT_LATE_AFTER.total_seconds() // 60)} minutes ago"
        if last_run
        else "has not run yet"
    )
    return (
        f"Reminders, new-session alerts and email retries are not going out: the scheduler "
        f"(Celery beat) {since}. Start it, exactly one: "
        "celery -A campaign_site beat (README: Running in production)."
    )


def go_live_problems(campaign: CampaignSettings) -> list[str]:
    problems = []
    if (campaign.promoter_name, campaign.promoter_address) == (
        CAMPAIGN["promoter_name"],
        CAMPAIGN["promoter_address"],
    ):
        problems.append(
            "The imprint still holds the demo wording: enter the promoter's name and full "
            "postal address (Campaign settings › Imprint). The law requires them on every page "
            "and email."
        )
    if campaign.contact_email.endswith("@localhost"):
        problems.append("Set the campaign's contact email address (Campaign settings).")
    if campaign.volunteer_data_retained_until is None:
        problems.append(
            "Set the date after which volunteers' data is erased (Campaign settings › Data "
            "retention), say a month after polling day."
        )
    if not settings.EMAIL_HOST and not settings.ANYMAIL_ESP:
        problems.append(
            "Emails are written to files on the server, not sent: set EMAIL_HOST and the "
            "other EMAIL_ settings, or ANYMAIL_ESP and its key for an email provider."
        )
    sender = campaign_sender(campaign)
    if sender.address.endswith("@localhost") or sender.name == "Campaign":
        problems.append(
            f"Emails are sent from {sender}: set the sender's name and address people see "
            "(Campaign settings › Emails)."
        )
    if not settings.STRIPE_SECRET_KEY:
        problems.append("Donations are off until the Stripe keys are set (see README).")
    if not settings.SITE_IS_HTTPS:
        problems.append("SITE_URL is not an https:// address: the public site needs HTTPS.")
    return problems
