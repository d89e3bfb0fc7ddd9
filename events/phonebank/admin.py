from events.phonebank.admin_hours import PhonebankSettingsAdmin  # noqa: F401
