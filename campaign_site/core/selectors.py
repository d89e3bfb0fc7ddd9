from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from campaign_site.core.models import CampaignSettings, OutboundEmail
from campaign_site.core.seed import CAMPAIGN

CAMPAIGN_SETTINGS_CACHE_KEY = "campaign-settings:v2"


def campaign_settings_get() -> CampaignSettings:
    """The campaign's settings row, cached; the data migration creates it."""
    campaign = cache.get(CAMPAIGN_SETTINGS_CACHE_KEY)
    if campaign is None:
        campaign, _ = CampaignSettings.objects.get_or_create(pk=1, defaults=CAMPAIGN)
        cache.set(CAMPAIGN_SETTINGS_CACHE_KEY, campaign, timeout=None)
    return campaign


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    def __str__(self) -> str:
        """The From header: `Name <address>` (quoted where the name needs it)."""
        return formataddr((self.name, self.address))


def campaign_sender(campaign: CampaignSettings | None = None) -> Sender:
    """Who emails come from, as set in campaign settings; what is left empty comes from the
    server's DEFAULT_FROM_EMAIL, and a name that is nowhere set is the campaign's own."""
    campaign = campaign or campaign_settings_get()
    default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Sender(
        name=campaign.email_from_name.strip() or default_name or str(campaign),
        address=campaign.email_from_address.strip() or default_address,
    )


@dataclass(frozen=True)
class OutboxHealth:
    """What is failing in the outbox, for superusers on the admin home."""

    retrying: int  # refused or unreachable at the last try: tried again later
    failed: int  # given up in the last 7 days
    abandoned: int  # claimed by a worker that stopped renewing its claim: the sweep returns it
    last_error: str
    last_error_key: str
    last_error_at: datetime | None

    @property
    def failing(self) -> int:
        return self.retrying + self.failed + self.abandoned


def outbox_health(*, now: datetime | None = None) -> OutboxHealth:
    now = now or timezone.now()
    rows = OutboundEmail.objects
    retrying = rows.filter(status=OutboundEmail.Status.QUEUED).exclude(last_error="")
    failed = rows.filter(status=OutboundEmail.Status.FAILED, created_at__gte=now - timedelta(7))
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    abandoned = rows.filter(status=OutboundEmail.Status.SENDING, sending_started_at__lt=stale)
    last = (
        rows.filter(status__in=[OutboundEmail.Status.QUEUED, OutboundEmail.Status.FAILED])
        .exclude(last_error="")
        .order_by(F("sending_started_at").desc(nulls_last=True), "-pk")
        .only("key", "last_error", "sending_started_at")
        .first()
    )
    return OutboxHealth(
        retrying=retrying.count(),
        failed=failed.count(),
        abandoned=abandoned.count(),
        last_error=last.last_error if last else "",
        last_error_key=last.key.split(":", 1)[0] if last else "",
        last_error_at=last.sending_started_at if last else None,
    )
