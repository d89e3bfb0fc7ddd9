"""Every write to donations goes through these services (see STYLE.md)."""

from donations.services.checkout import (
    GiftDetails,
    donation_checkout_start,
    donation_create,
    donation_refresh_from_stripe,
    donation_settings_update,
)
from donations.services.checks import (
    donation_accept,
    donation_details_update,
    donation_return,
    permissibility_problems,
)
from donations.services.ledger import donation_recompute, progress_invalidate
from donations.services.monthly import donation_monthly_stop
from donations.services.spending import (
    spending_item_approve,
    spending_item_delete,
    spending_item_propose,
    spending_item_update,
    spending_settings_update,
)
from donations.services.stripe_events import checkout_session_apply, stripe_event_apply

__all__ = [
    "GiftDetails",
    "checkout_session_apply",
    "donation_accept",
    "donation_checkout_start",
    "donation_create",
    "donation_details_update",
    "donation_monthly_stop",
    "donation_recompute",
    "donation_refresh_from_stripe",
    "donation_return",
    "donation_settings_update",
    "permissibility_problems",
    "progress_invalidate",
    "spending_item_approve",
    "spending_item_delete",
    "spending_item_propose",
    "spending_item_update",
    "spending_settings_update",
    "stripe_event_apply",
]
