"""What the agent types into the donations search, matched the way people write it.

Postcodes are stored in one form ("DE1 2AB") but typed in many: "de1", "DE1 2", "de12ab",
"DE1  2AB". A reference is typed as the admin shows it ("D12") or as a number.
"""

import re

from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.db.models.lookups import IContains

# The start of a UK postcode: an area (one or two letters) and its district, then maybe
# the space and the start of the inward code ("DE1", "DE22 1", "DE1 2AB"), or all of it
# typed without the space ("DE12AB").
_POSTCODE_START = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?( \d[A-Z]{0,2})?$|^[A-Z]{1,2}\d[A-Z\d]{0,4}$")
_REFERENCE = re.compile(r"^D(\d{1,9})$")


def postcode_typed_q(text: str, *, field: str = "postcode") -> Q | None:
    """Postcodes matching what was typed, however it is spaced or cased; None if it does
    not look like (the start of) a postcode.

    A space the person typed is kept ("DE1 2" finds DE1 2AB, not DE12 3CD); typed without
    one, it is matched against the postcode without its space ("de12ab" finds DE1 2AB)."""
    spaced = " ".join(text.split()).upper()
    if not _POSTCODE_START.match(spaced):
        return None
    found = Q(**{f"{field}__icontains": spaced})
    if " " not in spaced:
        found |= Q(IContains(Replace(F(field), Value(" "), Value("")), spaced))
    return found


def is_spaced_postcode(text: str) -> bool:
    """A postcode typed with its space ("DE1 2"): the admin's word-by-word search would
    also find DE12 3CD (it has "DE1" and "2"), so only the postcode match counts."""
    spaced = " ".join(text.split()).upper()
    return " " in spaced and bool(_POSTCODE_START.match(spaced))


def donation_typed_q(text: str) -> Q | None:
    """Donations a search finds beyond the admin's word-by-word match: a postcode however
    it is written, or a reference such as "D12"."""
    found = postcode_typed_q(text)
    reference = _REFERENCE.match(text.strip().upper())
    if reference:
        by_reference = Q(pk=int(reference.group(1)))
        found = by_reference if found is None else found | by_reference
    return found
