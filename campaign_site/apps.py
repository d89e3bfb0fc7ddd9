from django.apps import AppConfig


class CampaignSiteConfig(AppConfig):
    name = "campaign_site"
    verbose_name = "Campaign"
