"""The phonebank's answers to the volunteers app's signals (erasure, phone consent)."""


def connect() -> None:
    """Connected in PhonebankConfig.ready()."""
