"""The phonebank's settings row: calling hours and the privacy line (organisers, in admin)."""

from django.db import transaction

from events.phonebank.models import PhonebankSettings


@transaction.atomic
def phonebank_settings_update(*, phonebank_settings: PhonebankSettings) -> PhonebankSettings:
    """Save the one settings row (checked first: calls must stop after they start). The
    caller's screen reads it on every request, so the change applies at once."""
    phonebank_settings.pk = 1
    phonebank_settings.full_clean()
    phonebank_settings.save()
    return phonebank_settings
