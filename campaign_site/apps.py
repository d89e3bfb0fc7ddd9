from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django_otp.plugins.otp_totp import apps as totp_apps


class CampaignSiteConfig(AppConfig):
    name = "campaign_site"
    verbose_name = "Campaign"


class CampaignAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site class that adds lockout and two-factor sign-in."""

    default = False
    default_site = "campaign_site.admin_site.CampaignAdminSite"


class TwoFactorDevicesConfig(totp_apps.DefaultConfig):
    """django-otp's authenticator devices, under a name organisers understand in admin."""

    default = False
    verbose_name = "Two-factor sign-in devices"
