"""The signals the mailing list sends, so that apps which depend on volunteers (events)
can erase their own copies of a person's details when the person is erased; volunteers
cannot import them. Receivers run inside the erasure's transaction."""

from django.dispatch import Signal

# Sent with `supporter_id` once a supporter's personal data has been erased.
supporter_erased = Signal()

# Sent with `supporter_id` when a supporter's agreement to be phoned is withdrawn, or moves
# to another number: call lists drop what no longer has consent behind it.
supporter_phone_consent_changed = Signal()
