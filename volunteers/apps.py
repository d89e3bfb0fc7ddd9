from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = "Supporters and the mailing list"

    def ready(self):
        from volunteers.panels import panels_register

        panels_register()

        from campaign_site.core.share import share_kind_register
        from volunteers.share import join_share_card

        share_kind_register("join", join_share_card)
