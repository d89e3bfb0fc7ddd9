"""Errors whose message is safe to show the caller or organiser."""


class PhonebankError(Exception):
    """Something the person can act on; str(error) says what."""


class CallerNotAllowed(PhonebankError):
    """The caller may not call now (suspended, not going to a session of the list, list
    not open)."""


class ContactNotHeld(PhonebankError):
    """The caller does not hold this contact (the hold ran out and someone else has it, or
    it was taken off the list)."""


class ResultNotChangeable(PhonebankError):
    """Only the caller's own last three results can be changed."""
