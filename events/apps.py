from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Canvassing and phonebank sessions"

    def ready(self):
        from events.panels import panels_register
        from events.services import rsvps_erase_for_supporter
        from volunteers.signals import supporter_erased

        def erase_rsvps(sender, supporter_id, **kwargs):
            rsvps_erase_for_supporter(supporter_id=supporter_id)

        supporter_erased.connect(erase_rsvps, weak=False, dispatch_uid="events-erase-rsvps")
        panels_register()

        from events.selectors import supporter_data_copy_section
        from volunteers.data_copy import data_copy_register

        data_copy_register("events", supporter_data_copy_section)
        from campaign_site.core.share import share_kind_register
        from events.share import event_share_card

        share_kind_register("session", event_share_card)
