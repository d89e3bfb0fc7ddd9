import uuid

from django.core.cache import cache

from campaign_site.core.models import CampaignSettings, OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.pagecache import public_pages_invalidate
from campaign_site.core.selectors import CAMPAIGN_SETTINGS_CACHE_KEY


def campaign_settings_update(*, campaign: CampaignSettings) -> CampaignSettings:
    """Save the edited settings and drop the cached copy every page reads."""
    campaign.full_clean()
    campaign.save()
    cache.delete(CAMPAIGN_SETTINGS_CACHE_KEY)
    public_pages_invalidate(topics=("campaign",))
    return campaign


def mail_check_send(*, to: str, requested_by: str) -> OutboundEmail:
    """Queue a test email so an organiser can see that mail reaches an inbox."""
    return outbox_enqueue(
        key=f"mail-check:{uuid.uuid4().hex}",
        to=to,
        template="campaign_site/email/mail_check",
        context={"requested_by": requested_by},
        person=None,
        about=None,
    )
