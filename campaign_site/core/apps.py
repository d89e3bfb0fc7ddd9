from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django_otp.plugins.otp_totp import apps as totp_apps


class CampaignSiteConfig(AppConfig):
    """The shared core: campaign settings, the outbox, audit, the page cache, sign-in.

    It keeps the label "campaign_site" so permissions and admin URLs read as the campaign's."""

    name = "campaign_site.core"
    label = "campaign_site"
    verbose_name = "Campaign"

    def ready(self) -> None:
        from anymail.signals import tracking
        from django.db.models.signals import post_migrate

        from campaign_site.core.roles import roles_sync_after_migrate

        # Once per migrate, after every app's tables and permissions exist.
        post_migrate.connect(roles_sync_after_migrate, sender=self, dispatch_uid="campaign-roles")
        # anymail's tracking webhook views announce each event this way (their only API).
        tracking.connect(_tracking_received, dispatch_uid="campaign-tracking")

        from campaign_site.core.share import home_share_card, share_kind_register

        share_kind_register("home", home_share_card)

        from campaign_site.core.sweeps import sweeps_start_in_process

        sweeps_start_in_process()  # only when RUN_SWEEPS_IN_PROCESS asks (`make run`)

        from campaign_site.core.panels import Panel, panel_register
        from campaign_site.core.sources import source_totals

        panel_register(
            Panel(
                slot="dashboard",
                order=40,
                template="campaign_site/admin/_sources_dashboard.html",
                context=lambda request: {"sources": source_totals()},
                visible=lambda request: request.user.has_perm("campaign_site.view_sourcecode"),
            )
        )


def _tracking_received(sender, event, esp_name, **kwargs) -> None:
    from campaign_site.core.deliverability import tracking_event_record

    tracking_event_record(event=event, esp_name=esp_name)


class CampaignAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on the site class that adds lockout and two-factor sign-in."""

    default = False
    default_site = "campaign_site.core.admin_site.CampaignAdminSite"


class TwoFactorDevicesConfig(totp_apps.DefaultConfig):
    """django-otp's authenticator devices, under a name organisers understand in admin."""

    default = False
    verbose_name = "Two-factor sign-in devices"
