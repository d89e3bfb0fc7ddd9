from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CampaignSiteConfig(AppConfig):
    name = "campaign_site"
    verbose_name = "Campaign"


class CampaignAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site class that adds lockout and two-factor sign-in."""

    default = False
    default_site = "campaign_site.admin_site.CampaignAdminSite"
