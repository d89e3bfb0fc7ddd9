from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = "Supporters and the mailing list"

    def ready(self):
        from volunteers.panels import panels_register

        panels_register()
