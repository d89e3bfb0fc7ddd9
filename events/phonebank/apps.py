from django.apps import AppConfig


class PhonebankConfig(AppConfig):
    name = "events.phonebank"
    label = "phonebank"
    verbose_name = "Phonebank"

    def ready(self):
        from events.phonebank import receivers

        receivers.connect()
