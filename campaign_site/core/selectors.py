from django.core.cache import cache

from campaign_site.core.models import CampaignSettings
from campaign_site.core.seed import CAMPAIGN

CAMPAIGN_SETTINGS_CACHE_KEY = "campaign-settings:v1"


def campaign_settings_get() -> CampaignSettings:
    """The campaign's settings row, cached; the data migration creates it."""
    campaign = cache.get(CAMPAIGN_SETTINGS_CACHE_KEY)
    if campaign is None:
        campaign, _ = CampaignSettings.objects.get_or_create(pk=1, defaults=CAMPAIGN)
        cache.set(CAMPAIGN_SETTINGS_CACHE_KEY, campaign, timeout=None)
    return campaign
