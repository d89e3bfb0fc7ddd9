from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "donations"
    verbose_name = "Donations"

    def ready(self):
        from donations.panels import panels_register

        panels_register()
        from donations.selectors import donations_data_copy_section
        from volunteers.data_copy import data_copy_register

        # A supporter's copy of their data includes the gifts made from their address.
        data_copy_register("donations", donations_data_copy_section)

        from campaign_site.core.share import share_kind_register
        from donations.share import donate_share_card

        share_kind_register("donate", donate_share_card)
