"""The phonebank's answers to the volunteers app's signals (erasure, phone consent).
They run inside the sender's transaction, so the change is all or nothing."""


def connect() -> None:
    """Connected in PhonebankConfig.ready()."""
    from events.phonebank.services.privacy import (
        contacts_erase_for_supporter,
        contacts_remove_for_supporter,
    )
    from volunteers.signals import supporter_erased, supporter_phone_consent_changed

    def erase(sender, supporter_id, **kwargs):
        contacts_erase_for_supporter(supporter_id=supporter_id)

    def consent_changed(sender, supporter_id, **kwargs):
        contacts_remove_for_supporter(supporter_id=supporter_id)

    supporter_erased.connect(erase, weak=False, dispatch_uid="phonebank-erase-contacts")
    supporter_phone_consent_changed.connect(
        consent_changed, weak=False, dispatch_uid="phonebank-phone-consent"
    )
