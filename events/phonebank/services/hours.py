"""The phonebank's settings row: calling hours and the privacy line (organisers, in admin)."""

from django.core.cache import cache
from django.db import transaction

from events.phonebank.hours import SETTINGS_CACHE_KEY
from events.phonebank.models import PhonebankSettings


@transaction.atomic
def phonebank_settings_update(*, phonebank_settings: PhonebankSettings) -> PhonebankSettings:
    """Save the one settings row (checked first: calls must stop after they start). The
    caller's screen reads it on every request, so the change applies at once."""
    phonebank_settings.pk = 1
    phonebank_settings.full_clean()
    phonebank_settings.save()
    # Forget the cached row now and again at commit, so that no request in between can
    # cache the old one for good.
    cache.delete(SETTINGS_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SETTINGS_CACHE_KEY))
    return phonebank_settings
