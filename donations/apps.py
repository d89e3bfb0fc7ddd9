from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = "Donations"

    def ready(self):
        from donations.panels import panels_register

        panels_register()

        from campaign_site.core.share import share_kind_register
        from donations.share import donate_share_card

        share_kind_register("donate", donate_share_card)
